package redispark.jobs.eval;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import redispark.eval.BenchmarkScore;

/** One model's score on one benchmark, from its generations: pass@k, counts, length and truncation. */
public final class EvalScores {
    private EvalScores() {}

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
