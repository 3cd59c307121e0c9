package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.StringType;
import static redispark.jobs.table.Columns.required;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * The problems an evaluation samples: one row per benchmark problem, {@link #PROBLEM} the prompt text as the model
 * sees it (a benchmark problem wrapped in {@code eval.instruction}, a held-out problem of the run bare).
 */
public final class EvalPromptsFrame {
    private EvalPromptsFrame() {}

    public static final String PROBLEM_ID = ProblemsTable.PROBLEM_ID;
    public static final String PROBLEM = ProblemsTable.PROBLEM;
    public static final String GOLD = ProblemsTable.GOLD;

    public static final StructType SCHEMA =
            Columns.struct(required(PROBLEM_ID, StringType), required(PROBLEM, StringType), required(GOLD, StringType));

    public static Row row(String problemId, String prompt, String gold) {
        return RowFactory.create(problemId, prompt, gold);
    }
}
