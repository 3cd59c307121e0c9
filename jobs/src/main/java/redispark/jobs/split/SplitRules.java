package redispark.jobs.split;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;
import static redispark.jobs.table.LabeledTracesTable.CORRECT;
import static redispark.jobs.table.MeasuredTracesFrame.ADMISSION_REASON;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import redispark.jobs.table.MeasuredTracesFrame;
import redispark.jobs.table.NegativesTable;
import redispark.jobs.table.PairsTable;
import redispark.jobs.table.PositivesTable;
import redispark.jobs.table.RejectsTable;
import redispark.jobs.table.TracesTable;
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
     * The reject reason of a measured trace ({@link MeasuredTracesFrame}), null when it is kept; reads
     * {@code problemReason} (curation's, null for a problem it keeps), the admission reason and the token lengths.
     */
    public static Column rejectReason(SplitConfig config, Column problemReason) {
        Column finish = col(TracesTable.FINISH_REASON);
        Column promptTokens = col(MeasuredTracesFrame.PROMPT_TOKENS);
        Column completionTokens = col(MeasuredTracesFrame.COMPLETION_TOKENS);
        return when(problemReason.isNotNull(), problemReason)
                .when(col(ADMISSION_REASON).isNotNull(), col(ADMISSION_REASON))
                .when(col(CORRECT).and(finish.notEqual(TracesTable.FINISHED)), lit(TRUNCATED_BUT_CORRECT))
                .when(finish.equalTo(TracesTable.CUT_AT_LIMIT).and(lit(!config.truncatedNegatives())), lit(TRUNCATED))
                .when(promptTokens.gt(config.maxPromptTokens()), lit(PROMPT_TOO_LONG))
                .when(completionTokens.gt(config.maxResponseTokens()), lit(RESPONSE_TOO_LONG))
                .when(promptTokens.plus(completionTokens).gt(config.maxSeqLen()), lit(Rejects.TOO_LONG))
                .otherwise(lit(null).cast(DataTypes.StringType));
    }

    /** The {@link PositivesTable} rows of kept traces, {@link PositivesTable#SELECTED} marking those SFT trains on. */
    public static Dataset<Row> positives(Dataset<Row> kept, SplitConfig config) {
        WindowSpec byProblem = Window.partitionBy(PositivesTable.PROBLEM_ID).orderBy(PositivesTable.SAMPLE_IDX);
        Column rank = col("rank_in_problem");
        Column selected = switch (config.sftSelection()) {
            case FIRST_CORRECT -> rank.equalTo(0);
            case ALL_CORRECT -> lit(true);
            case UP_TO_K -> rank.lt(config.k());
        };
        return trainingColumns(kept.filter(col(CORRECT)))
                .withColumn("rank_in_problem", row_number().over(byProblem).minus(1))
                .withColumn(PositivesTable.SELECTED, selected)
                .drop("rank_in_problem");
    }

    /** The {@link NegativesTable} rows of kept traces. */
    public static Dataset<Row> negatives(Dataset<Row> kept) {
        return trainingColumns(kept.filter(col(CORRECT).equalTo(false)));
    }

    /** {@link NegativesTable}'s columns (which positives share) of measured traces. */
    private static Dataset<Row> trainingColumns(Dataset<Row> traces) {
        return traces.select(
                col(TracesTable.PROBLEM_ID).as(NegativesTable.PROBLEM_ID),
                col(TracesTable.SAMPLE_IDX).as(NegativesTable.SAMPLE_IDX),
                col(TracesTable.PROBLEM).as(NegativesTable.PROMPT),
                col(TracesTable.TEXT).as(NegativesTable.COMPLETION),
                col(MeasuredTracesFrame.PROMPT_TOKENS).as(NegativesTable.PROMPT_TOKENS),
                col(MeasuredTracesFrame.COMPLETION_TOKENS).as(NegativesTable.COMPLETION_TOKENS),
                col(TracesTable.SOURCE).as(NegativesTable.SOURCE),
                col(TracesTable.DIFFICULTY).as(NegativesTable.DIFFICULTY));
    }

    /** The {@link PairsTable}: one row per (chosen, rejected) of the same problem, per the pair policy. */
    public static Dataset<Row> pairs(Dataset<Row> positives, Dataset<Row> negatives, SplitConfig config) {
        WindowSpec byProblem = Window.partitionBy(NegativesTable.PROBLEM_ID).orderBy(NegativesTable.SAMPLE_IDX);
        Dataset<Row> chosen = positives
                .withColumn("r", row_number().over(byProblem))
                .select(
                        col(PositivesTable.PROBLEM_ID).as(PairsTable.PROBLEM_ID),
                        col(PositivesTable.PROMPT).as(PairsTable.PROMPT),
                        col("r").as("cr"),
                        col(PositivesTable.SAMPLE_IDX).as(PairsTable.CHOSEN_IDX),
                        col(PositivesTable.COMPLETION).as(PairsTable.CHOSEN),
                        col(PositivesTable.COMPLETION_TOKENS).as(PairsTable.CHOSEN_TOKENS),
                        col(PositivesTable.PROMPT_TOKENS).as(PairsTable.PROMPT_TOKENS));
        Dataset<Row> rejected = negatives
                .withColumn("r", row_number().over(byProblem))
                .select(
                        col(NegativesTable.PROBLEM_ID).as("rp"),
                        col("r").as("rr"),
                        col(NegativesTable.SAMPLE_IDX).as(PairsTable.REJECTED_IDX),
                        col(NegativesTable.COMPLETION).as(PairsTable.REJECTED),
                        col(NegativesTable.COMPLETION_TOKENS).as(PairsTable.REJECTED_TOKENS));
        Dataset<Row> all =
                chosen.join(rejected, chosen.col(PairsTable.PROBLEM_ID).equalTo(rejected.col("rp")));
        Dataset<Row> picked = switch (config.pairSelection()) {
            case FIRST_PAIR -> all.filter(col("cr").equalTo(1).and(col("rr").equalTo(1)));
            case ALL_PAIRS_UP_TO_K ->
                all.withColumn(
                                "pr",
                                row_number()
                                        .over(Window.partitionBy(PairsTable.PROBLEM_ID)
                                                .orderBy("cr", "rr")))
                        .filter(col("pr").leq(config.k()))
                        .drop("pr");
        };
        return PairsTable.conform(picked);
    }

    /**
     * The {@link RejectsTable} rows of {@code stage}: the classified traces with a {@code reject_reason}, detailed by
     * curation's {@code problem_detail} or else their token lengths.
     */
    public static Dataset<Row> rejects(String stage, Dataset<Row> classified) {
        Column promptTokens = col(MeasuredTracesFrame.PROMPT_TOKENS);
        Column lengths = format_string(
                MeasuredTracesFrame.PROMPT_TOKENS + "=%d " + MeasuredTracesFrame.COMPLETION_TOKENS + "=%d",
                promptTokens,
                col(MeasuredTracesFrame.COMPLETION_TOKENS));
        return classified
                .filter(col("reject_reason").isNotNull())
                .select(
                        lit(stage).as(RejectsTable.STAGE),
                        col("reject_reason").as(RejectsTable.REASON),
                        col(TracesTable.PROBLEM_ID).as(RejectsTable.PROBLEM_ID),
                        col(TracesTable.SAMPLE_IDX).as(RejectsTable.SAMPLE_IDX),
                        coalesce(col("problem_detail"), when(promptTokens.isNotNull(), lengths))
                                .as(RejectsTable.DETAIL));
    }
}
