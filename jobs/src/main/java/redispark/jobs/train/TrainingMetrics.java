package redispark.jobs.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import redispark.jobs.run.Json;
import redispark.jobs.run.RunDir;
import redispark.jobs.table.MetricsTable;

/** A training run's step metrics, rank 0's, in step order: each step a map of metric name → value. */
public record TrainingMetrics(List<String> lines, List<Map<String, Double>> steps) {

    public static TrainingMetrics of(List<String> jsonLines) {
        return new TrainingMetrics(
                List.copyOf(jsonLines),
                jsonLines.stream().map(Json::readDoubles).toList());
    }

    /**
     * Writes {@code metrics/<runName>} ({@link MetricsTable}: one row per metric per step)
     * and {@code metrics/<runName>.jsonl}; returns the Parquet rows.
     */
    public long write(SparkSession spark, RunDir run, String runName) {
        List<Row> rows = new ArrayList<>();
        for (Map<String, Double> metrics : steps) {
            int step = metrics.get("global_step").intValue();
            metrics.forEach((name, value) -> rows.add(MetricsTable.row(step, name, value)));
        }
        String table = TrainingRun.metricsOf(runName);
        long written = run.writeTable(spark.createDataFrame(rows, MetricsTable.SCHEMA), table);
        run.files().writeText(run.path(table + ".jsonl"), String.join("\n", lines) + "\n");
        return written;
    }

    /**
     * Rank 0's time inside the gradient all-reduce (waiting for slower ranks included) over its step time, and how
     * much of it was that wait.
     */
    public String communicationShare(String stage, int workers) {
        double comm = 0;
        double wait = 0;
        double total = 0;
        for (Map<String, Double> m : steps) {
            comm += m.getOrDefault("comm_time", 0.0);
            wait += m.getOrDefault("comm_wait_time", 0.0);
            total += m.get("step_time");
        }
        return String.format(
                Locale.ROOT,
                "[redi] %s: %d ranks, gradient all-reduce %.1f%% of step time (%.2f s of %.2f s, rank 0; %.2f s of"
                        + " it waiting for the other ranks to reach it, the exchange itself %.1f%%)",
                stage,
                workers,
                100 * comm / total,
                comm,
                total,
                wait,
                100 * (comm - wait) / total);
    }
}
