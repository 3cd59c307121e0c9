package redispark.jobs.spark;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createStructField;
import static org.apache.spark.sql.types.DataTypes.createStructType;

import java.util.List;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** The schemas of the run directory's tables: the one place a {@code StructField} is written. */
public final class SparkSchemas {
    private SparkSchemas() {}

    private static StructField req(String name, org.apache.spark.sql.types.DataType type) {
        return createStructField(name, type, false);
    }

    private static StructField opt(String name, org.apache.spark.sql.types.DataType type) {
        return createStructField(name, type, true);
    }

    /** {@code problems}: one row per problem; {@code split} is "train" or "heldout". */
    public static final StructType PROBLEMS = createStructType(List.of(
            req("problem_id", StringType),
            req("problem", StringType),
            req("gold", StringType),
            req("source", StringType),
            req("difficulty", IntegerType),
            req("split", StringType)));

    /**
     * {@code traces}: one row per teacher generation, unique by {@code (problem_id, sample_idx)}. A failed request
     * is a row with {@code error} set (and empty text). {@code prompt_tokens}/{@code completion_tokens} are the
     * teacher's counts where it reports them (null otherwise). {@code generation_config} is the hash of the
     * settings that decided the sample. The {@code openr1_*} columns carry OpenR1's own labels of imported
     * generations (null for other teachers): {@code openr1_math_verify} = Raw's {@code
     * correctness.math_verify_reparsed_answer} / 220k's {@code correctness_math_verify}, {@code
     * openr1_math_verify_answer} = Raw's {@code correctness.math_verify_answer}, {@code openr1_llama} = Raw's {@code
     * correctness.llama_verification} / 220k's {@code correctness_llama}.
     */
    public static final StructType TRACES = createStructType(List.of(
            req("problem_id", StringType),
            req("sample_idx", IntegerType),
            req("problem", StringType),
            req("gold", StringType),
            req("source", StringType),
            req("difficulty", IntegerType),
            req("teacher", StringType),
            opt("text", StringType),
            opt("finish_reason", StringType),
            opt("prompt_tokens", IntegerType),
            opt("completion_tokens", IntegerType),
            opt("error", StringType),
            req("generation_config", StringType),
            opt("openr1_math_verify", BooleanType),
            opt("openr1_math_verify_answer", BooleanType),
            opt("openr1_llama", BooleanType)));

    /** The verdict struct {@code math_verify(pred, gold)} returns. */
    public static final StructType VERDICT = createStructType(
            List.of(req("correct", BooleanType), opt("extracted", StringType), req("reason", StringType)));

    /** {@code positives} / {@code negatives}: one row per trace kept for training. */
    public static final StructType TRAINING_TRACES = createStructType(List.of(
            req("problem_id", StringType),
            req("sample_idx", IntegerType),
            req("prompt", StringType),
            req("completion", StringType),
            req("prompt_tokens", IntegerType),
            req("completion_tokens", IntegerType),
            req("source", StringType),
            req("difficulty", IntegerType)));

    /** {@code rejects}: every row dropped anywhere, with the stage and the reason. */
    public static final StructType REJECTS = createStructType(List.of(
            req("stage", StringType),
            req("reason", StringType),
            opt("problem_id", StringType),
            opt("sample_idx", IntegerType),
            opt("detail", StringType)));

    /** {@code eval/generations}: one row per sampled answer. */
    public static final StructType EVAL_GENERATIONS = createStructType(List.of(
            req("model", StringType),
            req("benchmark", StringType),
            req("problem_id", StringType),
            req("sample_idx", IntegerType),
            req("text", StringType),
            req("finish_reason", StringType),
            req("completion_tokens", IntegerType),
            req("correct", BooleanType),
            req("reason", StringType),
            opt("extracted", StringType)));

    /** Token lengths of a prompt and a completion after the chat template. */
    public static final StructType TOKEN_LENGTHS =
            createStructType(List.of(req("prompt_tokens", IntegerType), req("completion_tokens", IntegerType)));

    public static final StructType METRIC =
            createStructType(List.of(req("step", IntegerType), req("name", StringType), req("value", DoubleType)));
}
