package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static redispark.jobs.table.Columns.required;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import redispark.teacher.Problem;

/** {@code problems}: one row per problem; {@link #SPLIT} is {@link #TRAIN} or {@link #HELDOUT}. */
public final class ProblemsTable {
    private ProblemsTable() {}

    public static final String NAME = "problems";
    public static final int VERSION = 1;

    public static final String PROBLEM_ID = "problem_id";
    public static final String PROBLEM = "problem";
    public static final String GOLD = "gold";
    public static final String SOURCE = "source";
    public static final String DIFFICULTY = "difficulty";
    public static final String SPLIT = "split";

    public static final String TRAIN = "train";
    public static final String HELDOUT = "heldout";

    public static final StructType SCHEMA = Columns.struct(
            required(PROBLEM_ID, StringType),
            required(PROBLEM, StringType),
            required(GOLD, StringType),
            required(SOURCE, StringType),
            required(DIFFICULTY, IntegerType),
            required(SPLIT, StringType));

    public static final TableLayout LAYOUT = new TableLayout(NAME, VERSION, SCHEMA);

    public static Row row(Problem p, String split) {
        return RowFactory.create(p.problemId(), p.problem(), p.gold(), p.source(), p.difficulty(), split);
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
