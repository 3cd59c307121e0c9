package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * {@code eval/generations}: one row per sampled answer of an evaluated model on a benchmark problem, with the
 * verifier's verdict ({@link VerdictStruct}).
 */
public final class EvalGenerationsTable {
    private EvalGenerationsTable() {}

    public static final String NAME = "eval/generations";
    public static final int VERSION = 1;

    private static final Columns.Spec COLUMNS = Columns.spec();

    public static final String MODEL = COLUMNS.required("model", StringType);
    public static final String BENCHMARK = COLUMNS.required("benchmark", StringType);
    public static final String PROBLEM_ID = COLUMNS.required(EvalPromptsFrame.PROBLEM_ID, StringType);
    public static final String SAMPLE_IDX = COLUMNS.required("sample_idx", IntegerType);
    public static final String TEXT = COLUMNS.required("text", StringType);
    public static final String FINISH_REASON = COLUMNS.required(TracesTable.FINISH_REASON, StringType);
    public static final String COMPLETION_TOKENS = COLUMNS.required("completion_tokens", IntegerType);
    public static final String CORRECT = COLUMNS.required(VerdictStruct.CORRECT, BooleanType);
    public static final String REASON = COLUMNS.required(VerdictStruct.REASON, StringType);
    public static final String EXTRACTED = COLUMNS.optional(VerdictStruct.EXTRACTED, StringType);

    public static final StructType SCHEMA = COLUMNS.struct();

    public static final TableLayout LAYOUT = new TableLayout(NAME, VERSION, SCHEMA);

    /** The generations folder of an evaluation written to {@code outputDir} ({@code eval} by default). */
    public static String in(String outputDir) {
        return outputDir + "/generations";
    }

    public static Row row(
            String model,
            String benchmark,
            String problemId,
            int sampleIdx,
            String text,
            String finishReason,
            int completionTokens,
            boolean correct,
            String reason,
            String extracted) {
        return Columns.row(
                SCHEMA,
                model,
                benchmark,
                problemId,
                sampleIdx,
                text,
                finishReason,
                completionTokens,
                correct,
                reason,
                extracted);
    }
}
