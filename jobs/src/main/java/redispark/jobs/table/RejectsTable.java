package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static redispark.jobs.table.Columns.optional;
import static redispark.jobs.table.Columns.required;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * {@code rejects}: every row dropped anywhere, with the stage and the reason. Each stage's rows are a partition,
 * {@code rejects/stage=<stage>}, so {@link #STAGE} comes last when the table is read as a whole; a problem-level
 * reject has no {@link #SAMPLE_IDX}, an input row that never became a problem no {@link #PROBLEM_ID}.
 */
public final class RejectsTable {
    private RejectsTable() {}

    public static final String NAME = "rejects";
    public static final int VERSION = 1;

    public static final String REASON = "reason";
    public static final String PROBLEM_ID = TracesTable.PROBLEM_ID;
    public static final String SAMPLE_IDX = TracesTable.SAMPLE_IDX;
    public static final String DETAIL = "detail";
    /** The stage that dropped the row: the partition column. */
    public static final String STAGE = "stage";

    public static final StructType SCHEMA = Columns.struct(
            required(REASON, StringType),
            optional(PROBLEM_ID, StringType),
            optional(SAMPLE_IDX, IntegerType),
            optional(DETAIL, StringType),
            required(STAGE, StringType));

    public static final TableLayout LAYOUT = new TableLayout(NAME, VERSION, SCHEMA);

    /** The folder of one stage's rejects. */
    public static String partition(String stage) {
        return NAME + "/" + STAGE + "=" + stage;
    }

    public static Row row(String stage, String reason, String problemId, Integer sampleIdx, String detail) {
        Object[] v = new Object[SCHEMA.size()];
        v[SCHEMA.fieldIndex(STAGE)] = stage;
        v[SCHEMA.fieldIndex(REASON)] = reason;
        v[SCHEMA.fieldIndex(PROBLEM_ID)] = problemId;
        v[SCHEMA.fieldIndex(SAMPLE_IDX)] = sampleIdx;
        v[SCHEMA.fieldIndex(DETAIL)] = detail;
        return RowFactory.create(v);
    }

    /** The frame's columns of this table, in its order and types. */
    public static Dataset<Row> conform(Dataset<Row> frame) {
        return Columns.conform(frame, SCHEMA, NAME);
    }
}
