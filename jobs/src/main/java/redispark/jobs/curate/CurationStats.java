package redispark.jobs.curate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static redispark.jobs.table.PositivesTable.COMPLETION_TOKENS;
import static redispark.jobs.table.PositivesTable.PROBLEM_ID;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import redispark.jobs.table.LabeledTracesTable;
import redispark.jobs.table.RemovedProblemsFrame;
import redispark.jobs.table.TracesTable;

/**
 * The figures {@code redi split} records in {@code manifest.json} (and the report shows): problems in, problems
 * removed per reason and per benchmark, problems with at least one positive / one negative / both, the teacher's
 * pass rate per source and difficulty, and completion-length histograms of positives and negatives.
 */
public final class CurationStats {
    /** Bins of the length histograms. */
    public static final int BINS = 20;

    private CurationStats() {}

    /**
     * @param labeled the split's input
     * @param problems distinct problems in it
     * @param removed {@link RemovedProblemsFrame} rows
     * @param positives the written positives
     * @param negatives the written negatives
     */
    public static Map<String, Object> of(
            Dataset<Row> labeled, long problems, Dataset<Row> removed, Dataset<Row> positives, Dataset<Row> negatives) {
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("problems", problems);
        Map<String, Long> removedPerReason = new TreeMap<>();
        Map<String, Long> perBenchmark = new TreeMap<>();
        for (Row r : removed.groupBy(RemovedProblemsFrame.REASON, RemovedProblemsFrame.BENCHMARK)
                .count()
                .collectAsList()) {
            String benchmark = r.getAs(RemovedProblemsFrame.BENCHMARK);
            long count = r.getAs("count");
            removedPerReason.merge(r.getAs(RemovedProblemsFrame.REASON), count, Long::sum);
            if (benchmark != null) {
                perBenchmark.put(benchmark, count);
            }
        }
        stats.put("problems_removed", removedPerReason);
        stats.put("contaminated_per_benchmark", perBenchmark);

        Dataset<Row> kept = positives
                .select(col(PROBLEM_ID), col(COMPLETION_TOKENS), lit(true).as("positive"))
                .unionByName(negatives.select(
                        col(PROBLEM_ID), col(COMPLETION_TOKENS), lit(false).as("positive")));
        // One pass for the problem kinds and the longest completion (the histogram's bin width).
        Row kinds = kept.groupBy(PROBLEM_ID)
                .agg(
                        max(col("positive").cast("int")).as("pos"),
                        max(col("positive").equalTo(false).cast("int")).as("neg"),
                        max(COMPLETION_TOKENS).as("longest"))
                .agg(sum("pos"), sum("neg"), sum(col("pos").multiply(col("neg"))), max("longest"))
                .first();
        stats.put("problems_with_positive", kinds.isNullAt(0) ? 0L : kinds.getLong(0));
        stats.put("problems_with_negative", kinds.isNullAt(1) ? 0L : kinds.getLong(1));
        stats.put("problems_with_both", kinds.isNullAt(2) ? 0L : kinds.getLong(2));
        stats.put("pass_rate", passRates(labeled));
        stats.put("completion_tokens_histogram", histogram(kept, kinds.isNullAt(3) ? 0 : kinds.getInt(3)));
        return stats;
    }

    /** One row per (source, difficulty): traces, verified correct, pass rate; sorted. */
    private static List<Map<String, Object>> passRates(Dataset<Row> labeled) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Row r : labeled.groupBy(TracesTable.SOURCE, TracesTable.DIFFICULTY)
                .agg(
                        count("*").as("traces"),
                        sum(when(col(LabeledTracesTable.CORRECT), 1).otherwise(0))
                                .as("correct"))
                .orderBy(TracesTable.SOURCE, TracesTable.DIFFICULTY)
                .collectAsList()) {
            Map<String, Object> row = new LinkedHashMap<>();
            long traces = r.getAs("traces");
            long correct = r.getAs("correct");
            row.put("source", r.getAs(TracesTable.SOURCE));
            row.put("difficulty", r.getAs(TracesTable.DIFFICULTY));
            row.put("traces", traces);
            row.put("correct", correct);
            row.put("pass_rate", Math.round(10_000.0 * correct / traces) / 10_000.0);
            out.add(row);
        }
        return out;
    }

    /** {@code bin_width} and counts per bin for positives and negatives (bin i = [i·width, (i+1)·width)). */
    private static Map<String, Object> histogram(Dataset<Row> kept, int longest) {
        int width = Math.max(1, (longest + BINS) / BINS);
        long[] pos = new long[BINS];
        long[] neg = new long[BINS];
        for (Row r : kept.groupBy(
                        col("positive"),
                        floor(col(COMPLETION_TOKENS).divide(width)).as("bin"))
                .count()
                .collectAsList()) {
            int bin = (int) Math.min(BINS - 1, r.getLong(1));
            (r.getBoolean(0) ? pos : neg)[bin] += r.getLong(2);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("bin_width", width);
        out.put("positives", pos);
        out.put("negatives", neg);
        return out;
    }
}
