package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static redispark.jobs.table.Columns.optional;
import static redispark.jobs.table.Columns.required;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * {@code eval/generations}: one row per sampled answer of an evaluated model on a benchmark problem, with the
 * verifier's verdict ({@link VerdictStruct}).
 */
public final class EvalGenerationsTable {
    private EvalGenerationsTable() {}

    public static final String NAME = "eval/generations";
    public static final int VERSION = 1;

    public static final String MODEL = "model";
    public static final String BENCHMARK = "benchmark";
    public static final String PROBLEM_ID = EvalPromptsFrame.PROBLEM_ID;
    public static final String SAMPLE_IDX = "sample_idx";
    public static final String TEXT = "text";
    public static final String FINISH_REASON = TracesTable.FINISH_REASON;
    public static final String COMPLETION_TOKENS = "completion_tokens";
    public static final String CORRECT = VerdictStruct.CORRECT;
    public static final String REASON = VerdictStruct.REASON;
    public static final String EXTRACTED = VerdictStruct.EXTRACTED;

    public static final StructType SCHEMA = Columns.struct(
            required(MODEL, StringType),
            required(BENCHMARK, StringType),
            required(PROBLEM_ID, StringType),
            required(SAMPLE_IDX, IntegerType),
            required(TEXT, StringType),
            required(FINISH_REASON, StringType),
            required(COMPLETION_TOKENS, IntegerType),
            required(CORRECT, BooleanType),
            required(REASON, StringType),
            optional(EXTRACTED, StringType));

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
        Object[] v = new Object[SCHEMA.size()];
        v[SCHEMA.fieldIndex(MODEL)] = model;
        v[SCHEMA.fieldIndex(BENCHMARK)] = benchmark;
        v[SCHEMA.fieldIndex(PROBLEM_ID)] = problemId;
        v[SCHEMA.fieldIndex(SAMPLE_IDX)] = sampleIdx;
        v[SCHEMA.fieldIndex(TEXT)] = text;
        v[SCHEMA.fieldIndex(FINISH_REASON)] = finishReason;
        v[SCHEMA.fieldIndex(COMPLETION_TOKENS)] = completionTokens;
        v[SCHEMA.fieldIndex(CORRECT)] = correct;
        v[SCHEMA.fieldIndex(REASON)] = reason;
        v[SCHEMA.fieldIndex(EXTRACTED)] = extracted;
        return RowFactory.create(v);
    }
}
