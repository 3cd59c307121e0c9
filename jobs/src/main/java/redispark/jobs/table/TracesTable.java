package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import java.util.function.Function;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import redispark.teacher.Problem;

/**
 * {@code traces}: one row per teacher generation, unique by ({@link #PROBLEM_ID}, {@link #SAMPLE_IDX}). A failed
 * request is a row with {@link #ERROR} set (and empty text). {@link #PROMPT_TOKENS}/{@link #COMPLETION_TOKENS} are the
 * teacher's counts where it reports them (null otherwise). {@link #GENERATION_CONFIG} is the hash of the settings that
 * decided the sample. The {@code openr1_*} columns carry OpenR1's own labels of imported generations (null for other
 * teachers): {@link #OPENR1_MATH_VERIFY} = Raw's {@code correctness.math_verify_reparsed_answer} / 220k's {@code
 * correctness_math_verify}, {@link #OPENR1_MATH_VERIFY_ANSWER} = Raw's {@code correctness.math_verify_answer},
 * {@link #OPENR1_LLAMA} = Raw's {@code correctness.llama_verification} / 220k's {@code correctness_llama}.
 */
public final class TracesTable {
    private TracesTable() {}

    public static final String NAME = "traces";
    public static final int VERSION = 1;

    private static final Columns.Spec COLUMNS = Columns.spec();

    public static final String PROBLEM_ID = COLUMNS.required(ProblemsTable.PROBLEM_ID, StringType);
    public static final String SAMPLE_IDX = COLUMNS.required("sample_idx", IntegerType);
    public static final String PROBLEM = COLUMNS.required(ProblemsTable.PROBLEM, StringType);
    public static final String GOLD = COLUMNS.required(ProblemsTable.GOLD, StringType);
    public static final String SOURCE = COLUMNS.required(ProblemsTable.SOURCE, StringType);
    public static final String DIFFICULTY = COLUMNS.required(ProblemsTable.DIFFICULTY, IntegerType);
    public static final String TEACHER = COLUMNS.required("teacher", StringType);
    public static final String TEXT = COLUMNS.optional("text", StringType);
    public static final String FINISH_REASON = COLUMNS.optional("finish_reason", StringType);
    /** {@link #FINISH_REASON} of a generation that ended on its own. */
    public static final String FINISHED = "stop";
    /** {@link #FINISH_REASON} of a generation cut at the token limit. */
    public static final String CUT_AT_LIMIT = "length";

    public static final String PROMPT_TOKENS = COLUMNS.optional("prompt_tokens", IntegerType);
    public static final String COMPLETION_TOKENS = COLUMNS.optional("completion_tokens", IntegerType);
    public static final String ERROR = COLUMNS.optional("error", StringType);
    public static final String GENERATION_CONFIG = COLUMNS.required("generation_config", StringType);
    public static final String OPENR1_MATH_VERIFY = COLUMNS.optional("openr1_math_verify", BooleanType);
    public static final String OPENR1_MATH_VERIFY_ANSWER = COLUMNS.optional("openr1_math_verify_answer", BooleanType);
    public static final String OPENR1_LLAMA = COLUMNS.optional("openr1_llama", BooleanType);

    public static final StructType SCHEMA = COLUMNS.struct();

    public static final TableLayout LAYOUT = new TableLayout(NAME, VERSION, SCHEMA);

    /** A row of a sampling teacher (no OpenR1 labels); a failed request has no finish reason. */
    public static Row sampled(
            Problem p,
            int sampleIdx,
            String teacher,
            String text,
            String finishReason,
            Integer promptTokens,
            Integer completionTokens,
            String error,
            String generationConfig) {
        Boolean noLabel = null; // the OpenR1 columns: only imported generations carry them
        return Columns.row(
                SCHEMA,
                p.problemId(),
                sampleIdx,
                p.problem(),
                p.gold(),
                p.source(),
                p.difficulty(),
                teacher,
                text,
                error == null ? finishReason : null,
                promptTokens,
                completionTokens,
                error,
                generationConfig,
                noLabel,
                noLabel,
                noLabel);
    }

    /** This table's columns in its order, each {@code valueOf} its name cast to its type. */
    public static Column[] columns(Function<String, Column> valueOf) {
        return Columns.columns(SCHEMA, valueOf);
    }

    /** The frame's columns of this table, in its order and types. */
    public static Dataset<Row> conform(Dataset<Row> frame) {
        return Columns.conform(frame, SCHEMA, NAME);
    }
}
