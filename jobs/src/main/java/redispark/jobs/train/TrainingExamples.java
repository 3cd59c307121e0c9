package redispark.jobs.train;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;

import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import redispark.jobs.config.RediConfig;
import redispark.jobs.run.RunDir;
import redispark.train.objective.Objective;

/**
 * The rows an objective trains on, in one shape for every objective: {@code id, prompt, first, second, ref_chosen,
 * ref_rejected, negative} — the completion (or chosen one), the rejected one (pairs), the reference log-prob sums
 * (DPO) and the negative flag (unpaired).
 */
public final class TrainingExamples {
    private TrainingExamples() {}

    /**
     * @param initUri the starting model (DPO's reference model)
     * @param rows counts to record; DPO adds its reference table's
     */
    public static Dataset<Row> of(
            SparkSession spark,
            RunDir run,
            RediConfig config,
            Objective objective,
            String initUri,
            Map<String, Long> rows) {
        Column noRef = lit(null).cast(DataTypes.DoubleType);
        return switch (objective) {
            case SFT ->
                single(run.readTable(spark, "positives", "split")
                        .filter(col("selected"))
                        .withColumn("negative", lit(false)));
            case REDI, SIMPO -> pairs(run.readTable(spark, "pairs", "split"), noRef, noRef);
            case DPO -> {
                RefLogProbsJob.Table ref = RefLogProbsJob.ensure(spark, run, config, initUri);
                rows.put(ref.name(), ref.rows());
                rows.put("ref_logps_computed", ref.computed() ? ref.rows() : 0L);
                Dataset<Row> joined = run.readTable(spark, "pairs", "split")
                        .join(
                                run.readTable(spark, ref.name(), "train-redi --objective dpo"),
                                RefLogProbsJob.KEY.toArray(String[]::new),
                                "left");
                yield pairs(joined, col("ref_chosen_logps"), col("ref_rejected_logps"));
            }
            case REDI_UNPAIRED ->
                single(run.readTable(spark, "positives", "split")
                        .withColumn("negative", lit(false))
                        .select("problem_id", "sample_idx", "prompt", "completion", "negative")
                        .unionByName(run.readTable(spark, "negatives", "split")
                                .withColumn("negative", lit(true))
                                .select("problem_id", "sample_idx", "prompt", "completion", "negative")));
        };
    }

    /** One completion per row (positives, or positives and negatives flagged). */
    private static Dataset<Row> single(Dataset<Row> traces) {
        Column none = lit(null).cast(DataTypes.DoubleType);
        return traces.select(
                concat_ws("#", col("problem_id"), col("sample_idx")).as("id"),
                col("prompt"),
                col("completion").as("first"),
                lit(null).cast(DataTypes.StringType).as("second"),
                none.as("ref_chosen"),
                none.as("ref_rejected"),
                col("negative"));
    }

    private static Dataset<Row> pairs(Dataset<Row> pairs, Column refChosen, Column refRejected) {
        return pairs.select(
                concat_ws("#", col("problem_id"), col("chosen_idx"), col("rejected_idx"))
                        .as("id"),
                col("prompt"),
                col("chosen").as("first"),
                col("rejected").as("second"),
                refChosen.as("ref_chosen"),
                refRejected.as("ref_rejected"),
                lit(false).as("negative"));
    }
}
