package redispark.jobs.train;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;

import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import redispark.jobs.config.RediConfig;
import redispark.jobs.run.RunDir;
import redispark.jobs.table.NegativesTable;
import redispark.jobs.table.PairsTable;
import redispark.jobs.table.PositivesTable;
import redispark.jobs.table.RefLogProbsTable;
import redispark.jobs.table.TrainingExampleFrame;
import redispark.train.objective.Objective;

/**
 * The rows an objective trains on, as a {@link TrainingExampleFrame}: the selected positives (SFT), the pairs
 * (REDI, SimPO), the pairs with the reference model's sums (DPO) or all positives and negatives flagged (unpaired
 * REDI). A row's id is its problem and sample index(es), joined by {@code #}.
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
        return switch (objective) {
            case SFT -> {
                Dataset<Row> selected = positives(spark, run).filter(col(PositivesTable.SELECTED));
                yield TrainingExampleFrame.examples(
                        selected, traceId(), col(PositivesTable.PROMPT), col(PositivesTable.COMPLETION));
            }
            case REDI, SIMPO -> {
                Dataset<Row> pairs = pairs(spark, run);
                yield TrainingExampleFrame.pairs(
                        pairs, pairId(), col(PairsTable.PROMPT), col(PairsTable.CHOSEN), col(PairsTable.REJECTED));
            }
            case DPO -> {
                RefLogProbsJob.Table ref = RefLogProbsJob.ensure(spark, run, config, initUri);
                rows.put(ref.name(), ref.rows());
                rows.put("ref_logps_computed", ref.computed() ? ref.rows() : 0L);
                Dataset<Row> joined = pairs(spark, run)
                        .join(
                                run.readTable(spark, ref.name(), "train-redi --objective dpo"),
                                RefLogProbsTable.KEY.toArray(String[]::new),
                                "left");
                yield TrainingExampleFrame.pairs(
                        joined,
                        pairId(),
                        col(PairsTable.PROMPT),
                        col(PairsTable.CHOSEN),
                        col(PairsTable.REJECTED),
                        col(RefLogProbsTable.REF_CHOSEN_LOGPS),
                        col(RefLogProbsTable.REF_REJECTED_LOGPS));
            }
            case REDI_UNPAIRED -> {
                Dataset<Row> all = positives(spark, run)
                        .withColumn(TrainingExampleFrame.NEGATIVE, lit(false))
                        .select(unpairedColumns())
                        .unionByName(run.readTable(spark, NegativesTable.NAME, "split")
                                .withColumn(TrainingExampleFrame.NEGATIVE, lit(true))
                                .select(unpairedColumns()));
                yield TrainingExampleFrame.unpaired(
                        all,
                        traceId(),
                        col(NegativesTable.PROMPT),
                        col(NegativesTable.COMPLETION),
                        col(TrainingExampleFrame.NEGATIVE));
            }
        };
    }

    /** What unpaired REDI reads of positives and negatives (their common columns), and the flag. */
    private static Column[] unpairedColumns() {
        return new Column[] {
            col(NegativesTable.PROBLEM_ID),
            col(NegativesTable.SAMPLE_IDX),
            col(NegativesTable.PROMPT),
            col(NegativesTable.COMPLETION),
            col(TrainingExampleFrame.NEGATIVE)
        };
    }

    private static Dataset<Row> positives(SparkSession spark, RunDir run) {
        return run.readTable(spark, PositivesTable.NAME, "split");
    }

    private static Dataset<Row> pairs(SparkSession spark, RunDir run) {
        return run.readTable(spark, PairsTable.NAME, "split");
    }

    private static Column traceId() {
        return concat_ws("#", col(NegativesTable.PROBLEM_ID), col(NegativesTable.SAMPLE_IDX));
    }

    private static Column pairId() {
        return concat_ws("#", col(PairsTable.PROBLEM_ID), col(PairsTable.CHOSEN_IDX), col(PairsTable.REJECTED_IDX));
    }
}
