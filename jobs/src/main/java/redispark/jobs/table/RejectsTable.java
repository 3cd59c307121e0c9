package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
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

    private static final Columns.Spec COLUMNS = Columns.spec();

    public static final String REASON = COLUMNS.required("reason", StringType);
    public static final String PROBLEM_ID = COLUMNS.optional(TracesTable.PROBLEM_ID, StringType);
    public static final String SAMPLE_IDX = COLUMNS.optional(TracesTable.SAMPLE_IDX, IntegerType);
    public static final String DETAIL = COLUMNS.optional("detail", StringType);
    /** The stage that dropped the row: the partition column. */
    public static final String STAGE = COLUMNS.required("stage", StringType);

    public static final StructType SCHEMA = COLUMNS.struct();

    public static final TableLayout LAYOUT = new TableLayout(NAME, VERSION, SCHEMA);

    /** The folder of one stage's rejects. */
    public static String partition(String stage) {
        return NAME + "/" + STAGE + "=" + stage;
    }

    public static Row row(String stage, String reason, String problemId, Integer sampleIdx, String detail) {
        return Columns.row(SCHEMA, reason, problemId, sampleIdx, detail, stage);
    }

    /** The frame's columns of this table, in its order and types. */
    public static Dataset<Row> conform(Dataset<Row> frame) {
        return Columns.conform(frame, SCHEMA, NAME);
    }
}
