package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.StringType;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * The problems an evaluation samples: one row per benchmark problem, {@link #PROBLEM} the prompt text as the model
 * sees it (a benchmark problem wrapped in {@code eval.instruction}, a held-out problem of the run bare).
 */
public final class EvalPromptsFrame {
    private EvalPromptsFrame() {}

    private static final Columns.Spec COLUMNS = Columns.spec();

    public static final String PROBLEM_ID = COLUMNS.required(ProblemsTable.PROBLEM_ID, StringType);
    public static final String PROBLEM = COLUMNS.required(ProblemsTable.PROBLEM, StringType);
    public static final String GOLD = COLUMNS.required(ProblemsTable.GOLD, StringType);

    public static final StructType SCHEMA = COLUMNS.struct();

    public static Row row(String problemId, String prompt, String gold) {
        return Columns.row(SCHEMA, problemId, prompt, gold);
    }
}
