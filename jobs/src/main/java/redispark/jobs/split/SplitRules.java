package redispark.jobs.split;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import redispark.train.Rejects;

/**
 * Where a labelled trace goes: the first reject reason that applies (curation, admission, truncation, the length
 * limits), else positives (correct) or negatives; which positives SFT selects; which pairs stage 2 gets.
 */
public final class SplitRules {
    /** A correct answer in a trace that did not finish (finish_reason other than stop): never a positive. */
    public static final String TRUNCATED_BUT_CORRECT = "truncated_but_correct";
    /** A trace cut at the token limit, when {@code split.truncated-negatives} is false. */
    public static final String TRUNCATED = "truncated";

    public static final String PROMPT_TOO_LONG = "prompt_too_long";
    public static final String RESPONSE_TOO_LONG = "response_too_long";

    private SplitRules() {}

    /**
     * The reject reason of a measured trace, null when it is kept; reads {@code problem_reason} (curation),
     * {@code admission_reason} and the token lengths ({@link TokenLengths}).
     */
    public static Column rejectReason(SplitConfig config) {
        Column truncated = col("finish_reason").equalTo("length");
        return when(col("problem_reason").isNotNull(), col("problem_reason"))
                .when(col("admission_reason").isNotNull(), col("admission_reason"))
                .when(col("correct").and(col("finish_reason").notEqual("stop")), lit(TRUNCATED_BUT_CORRECT))
                .when(truncated.and(lit(!config.truncatedNegatives())), lit(TRUNCATED))
                .when(col("prompt_tokens").gt(config.maxPromptTokens()), lit(PROMPT_TOO_LONG))
                .when(col("completion_tokens").gt(config.maxResponseTokens()), lit(RESPONSE_TOO_LONG))
                .when(col("prompt_tokens").plus(col("completion_tokens")).gt(config.maxSeqLen()), lit(Rejects.TOO_LONG))
                .otherwise(lit(null).cast(DataTypes.StringType));
    }

    /** The positives of kept traces, with {@code selected} marking those SFT trains on. */
    public static Dataset<Row> positives(Dataset<Row> kept, SplitConfig config) {
        WindowSpec byProblem = Window.partitionBy("problem_id").orderBy("sample_idx");
        Column rank = col("rank_in_problem");
        Column selected = switch (config.sftSelection()) {
            case FIRST_CORRECT -> rank.equalTo(0);
            case ALL_CORRECT -> lit(true);
            case UP_TO_K -> rank.lt(config.k());
        };
        return trainingColumns(kept.filter(col("correct")))
                .withColumn("rank_in_problem", row_number().over(byProblem).minus(1))
                .withColumn("selected", selected)
                .drop("rank_in_problem");
    }

    public static Dataset<Row> negatives(Dataset<Row> kept) {
        return trainingColumns(kept.filter(col("correct").equalTo(false)));
    }

    private static Dataset<Row> trainingColumns(Dataset<Row> traces) {
        return traces.select(
                col("problem_id"),
                col("sample_idx"),
                col("problem").as("prompt"),
                col("text").as("completion"),
                col("prompt_tokens"),
                col("completion_tokens"),
                col("source"),
                col("difficulty"));
    }

    /** One row per (chosen, rejected) of the same problem, per the pair policy. */
    public static Dataset<Row> pairs(Dataset<Row> positives, Dataset<Row> negatives, SplitConfig config) {
        WindowSpec byProblem = Window.partitionBy("problem_id").orderBy("sample_idx");
        Dataset<Row> chosen = positives
                .withColumn("r", row_number().over(byProblem))
                .select(
                        col("problem_id"),
                        col("prompt"),
                        col("r").as("cr"),
                        col("sample_idx").as("chosen_idx"),
                        col("completion").as("chosen"),
                        col("completion_tokens").as("chosen_tokens"),
                        col("prompt_tokens"));
        Dataset<Row> rejected = negatives
                .withColumn("r", row_number().over(byProblem))
                .select(
                        col("problem_id").as("rp"),
                        col("r").as("rr"),
                        col("sample_idx").as("rejected_idx"),
                        col("completion").as("rejected"),
                        col("completion_tokens").as("rejected_tokens"));
        Dataset<Row> all = chosen.join(rejected, chosen.col("problem_id").equalTo(rejected.col("rp")));
        Dataset<Row> picked = switch (config.pairSelection()) {
            case FIRST_PAIR -> all.filter(col("cr").equalTo(1).and(col("rr").equalTo(1)));
            case ALL_PAIRS_UP_TO_K ->
                all.withColumn(
                                "pr",
                                row_number()
                                        .over(Window.partitionBy("problem_id").orderBy("cr", "rr")))
                        .filter(col("pr").leq(config.k()))
                        .drop("pr");
        };
        return picked.select(
                "problem_id",
                "prompt",
                "chosen",
                "rejected",
                "chosen_idx",
                "rejected_idx",
                "prompt_tokens",
                "chosen_tokens",
                "rejected_tokens");
    }
}
