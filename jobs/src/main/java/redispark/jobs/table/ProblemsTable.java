package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import redispark.teacher.Problem;

/** {@code problems}: one row per problem; {@link #SPLIT} is {@link #TRAIN} or {@link #HELDOUT}. */
public final class ProblemsTable {
    private ProblemsTable() {}

    public static final String NAME = "problems";
    public static final int VERSION = 1;

    private static final Columns.Spec COLUMNS = Columns.spec();

    public static final String PROBLEM_ID = COLUMNS.required("problem_id", StringType);
    public static final String PROBLEM = COLUMNS.required("problem", StringType);
    public static final String GOLD = COLUMNS.required("gold", StringType);
    public static final String SOURCE = COLUMNS.required("source", StringType);
    public static final String DIFFICULTY = COLUMNS.required("difficulty", IntegerType);
    public static final String SPLIT = COLUMNS.required("split", StringType);

    public static final String TRAIN = "train";
    public static final String HELDOUT = "heldout";

    public static final StructType SCHEMA = COLUMNS.struct();

    public static final TableLayout LAYOUT = new TableLayout(NAME, VERSION, SCHEMA);

    public static Row row(Problem p, String split) {
        return Columns.row(SCHEMA, p.problemId(), p.problem(), p.gold(), p.source(), p.difficulty(), split);
    }

    /** The problem of a row with (at least) this table's problem columns, read by name. */
    public static Problem problem(Row r) {
        return new Problem(
                r.getAs(PROBLEM_ID), r.getAs(PROBLEM), r.getAs(GOLD), r.getAs(SOURCE), r.<Integer>getAs(DIFFICULTY));
    }

    /** The frame's columns of this table, in its order and types. */
    public static Dataset<Row> conform(Dataset<Row> frame) {
        return Columns.conform(frame, SCHEMA, NAME);
    }
}
