package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import redispark.teacher.Problem;

/** The work of a sampling teacher: one training problem and the sample indices it still needs ({@link #MISSING}). */
public final class GenerationWorkFrame {
    private GenerationWorkFrame() {}

    private static final Columns.Spec COLUMNS = Columns.spec();

    public static final String PROBLEM_ID = COLUMNS.required(ProblemsTable.PROBLEM_ID, StringType);
    public static final String PROBLEM = COLUMNS.required(ProblemsTable.PROBLEM, StringType);
    public static final String GOLD = COLUMNS.required(ProblemsTable.GOLD, StringType);
    public static final String SOURCE = COLUMNS.required(ProblemsTable.SOURCE, StringType);
    public static final String DIFFICULTY = COLUMNS.required(ProblemsTable.DIFFICULTY, IntegerType);
    public static final String MISSING = COLUMNS.required("missing", Columns.intArray());

    public static final StructType SCHEMA = COLUMNS.struct();

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
