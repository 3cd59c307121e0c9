package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static redispark.jobs.table.Columns.required;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import redispark.teacher.Problem;

/** The work of a sampling teacher: one training problem and the sample indices it still needs ({@link #MISSING}). */
public final class GenerationWorkFrame {
    private GenerationWorkFrame() {}

    public static final String PROBLEM_ID = ProblemsTable.PROBLEM_ID;
    public static final String PROBLEM = ProblemsTable.PROBLEM;
    public static final String GOLD = ProblemsTable.GOLD;
    public static final String SOURCE = ProblemsTable.SOURCE;
    public static final String DIFFICULTY = ProblemsTable.DIFFICULTY;
    public static final String MISSING = "missing";

    public static final StructType SCHEMA = Columns.struct(
            required(PROBLEM_ID, StringType),
            required(PROBLEM, StringType),
            required(GOLD, StringType),
            required(SOURCE, StringType),
            required(DIFFICULTY, IntegerType),
            required(MISSING, Columns.intArray()));

    public static Problem problem(Row r) {
        return ProblemsTable.problem(r);
    }

    public static List<Integer> missing(Row r) {
        return r.getList(r.fieldIndex(MISSING));
    }

    /** The frame's columns of this layout, in its order and types. */
    public static Dataset<Row> conform(Dataset<Row> frame) {
        return Columns.conform(frame, SCHEMA, "generation work");
    }
}
