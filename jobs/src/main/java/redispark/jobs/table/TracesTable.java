package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static redispark.jobs.table.Columns.optional;
import static redispark.jobs.table.Columns.required;

import java.util.function.Function;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
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

    public static final String PROBLEM_ID = ProblemsTable.PROBLEM_ID;
    public static final String SAMPLE_IDX = "sample_idx";
    public static final String PROBLEM = ProblemsTable.PROBLEM;
    public static final String GOLD = ProblemsTable.GOLD;
    public static final String SOURCE = ProblemsTable.SOURCE;
    public static final String DIFFICULTY = ProblemsTable.DIFFICULTY;
    public static final String TEACHER = "teacher";
    public static final String TEXT = "text";
    public static final String FINISH_REASON = "finish_reason";
    public static final String PROMPT_TOKENS = "prompt_tokens";
    public static final String COMPLETION_TOKENS = "completion_tokens";
    public static final String ERROR = "error";
    public static final String GENERATION_CONFIG = "generation_config";
    public static final String OPENR1_MATH_VERIFY = "openr1_math_verify";
    public static final String OPENR1_MATH_VERIFY_ANSWER = "openr1_math_verify_answer";
    public static final String OPENR1_LLAMA = "openr1_llama";

    /** {@link #FINISH_REASON} of a generation that ended on its own. */
    public static final String FINISHED = "stop";
    /** {@link #FINISH_REASON} of a generation cut at the token limit. */
    public static final String CUT_AT_LIMIT = "length";

    public static final StructType SCHEMA = Columns.struct(
            required(PROBLEM_ID, StringType),
            required(SAMPLE_IDX, IntegerType),
            required(PROBLEM, StringType),
            required(GOLD, StringType),
            required(SOURCE, StringType),
            required(DIFFICULTY, IntegerType),
            required(TEACHER, StringType),
            optional(TEXT, StringType),
            optional(FINISH_REASON, StringType),
            optional(PROMPT_TOKENS, IntegerType),
            optional(COMPLETION_TOKENS, IntegerType),
            optional(ERROR, StringType),
            required(GENERATION_CONFIG, StringType),
            optional(OPENR1_MATH_VERIFY, BooleanType),
            optional(OPENR1_MATH_VERIFY_ANSWER, BooleanType),
            optional(OPENR1_LLAMA, BooleanType));

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
        Object[] v = new Object[SCHEMA.size()];
        v[SCHEMA.fieldIndex(PROBLEM_ID)] = p.problemId();
        v[SCHEMA.fieldIndex(SAMPLE_IDX)] = sampleIdx;
        v[SCHEMA.fieldIndex(PROBLEM)] = p.problem();
        v[SCHEMA.fieldIndex(GOLD)] = p.gold();
        v[SCHEMA.fieldIndex(SOURCE)] = p.source();
        v[SCHEMA.fieldIndex(DIFFICULTY)] = p.difficulty();
        v[SCHEMA.fieldIndex(TEACHER)] = teacher;
        v[SCHEMA.fieldIndex(TEXT)] = text;
        v[SCHEMA.fieldIndex(FINISH_REASON)] = error == null ? finishReason : null;
        v[SCHEMA.fieldIndex(PROMPT_TOKENS)] = promptTokens;
        v[SCHEMA.fieldIndex(COMPLETION_TOKENS)] = completionTokens;
        v[SCHEMA.fieldIndex(ERROR)] = error;
        v[SCHEMA.fieldIndex(GENERATION_CONFIG)] = generationConfig;
        return RowFactory.create(v);
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
