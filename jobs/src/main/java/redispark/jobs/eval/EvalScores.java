package redispark.jobs.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import redispark.eval.BenchmarkScore;
import redispark.jobs.run.HadoopFiles;

/** One model's score on one benchmark, from its generations: pass@k, counts, length and truncation. */
public final class EvalScores {
    private EvalScores() {}

    /**
     * One model's score per benchmark, benchmark → score, generated on the executors; its generations are added to
     * {@code kept} (cached) unless that is null.
     */
    public static Map<String, Object> perBenchmark(
            SparkSession spark,
            HadoopFiles files,
            EvalConfig config,
            Map<String, Dataset<Row>> benchmarks,
            EvalGenerations.Model model,
            List<Dataset<Row>> kept) {
        Map<String, Object> perBenchmark = new LinkedHashMap<>();
        benchmarks.forEach((benchmark, problems) -> {
            Dataset<Row> generations = EvalGenerations.of(spark, files, model, benchmark, problems, config.sampling());
            if (kept != null) {
                generations = generations.cache();
                kept.add(generations);
            }
            perBenchmark.put(benchmark, of(generations, config.sampling().samples()));
        });
        return perBenchmark;
    }

    public static Map<String, Object> of(Dataset<Row> generations, int samples) {
        Map<String, boolean[]> grid = new LinkedHashMap<>();
        long tokens = 0;
        long truncated = 0;
        long n = 0;
        for (Row r : generations
                .select("problem_id", "sample_idx", "correct", "completion_tokens", "finish_reason")
                .orderBy("problem_id", "sample_idx")
                .collectAsList()) {
            grid.computeIfAbsent(r.getString(0), k -> new boolean[samples])[r.getInt(1)] = r.getBoolean(2);
            tokens += r.getInt(3);
            truncated += "length".equals(r.getString(4)) ? 1 : 0;
            n++;
        }
        Map<String, Object> out =
                new LinkedHashMap<>(BenchmarkScore.score(grid.values().toArray(boolean[][]::new)));
        out.put("problems", grid.size());
        out.put("samples", samples);
        out.put("mean_completion_tokens", n == 0 ? 0.0 : (double) tokens / n);
        out.put("truncation_rate", n == 0 ? 0.0 : (double) truncated / n);
        return out;
    }
}
