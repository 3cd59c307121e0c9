package redispark.jobs.curate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import redispark.jobs.config.RediConfig;
import redispark.jobs.run.RunDir;
import redispark.jobs.stages.SplitStage;
import redispark.jobs.stages.StageContext;
import redispark.jobs.stages.StageOutcome;
import redispark.jobs.stages.StageRunner;
import redispark.jobs.table.LabeledTracesTable;
import redispark.jobs.table.NegativesTable;
import redispark.jobs.table.PairsTable;
import redispark.jobs.table.PositivesTable;
import redispark.jobs.table.TracesTable;
import redispark.teacher.Problem;

/**
 * {@code redi bench split}: writes N synthetic labelled traces (4 per problem; problems of 12-40 random words from a
 * 5,000-word vocabulary, 1 % exact and 1 % near duplicates; completions of 60-240 characters, ~60 % correct, 3 %
 * truncated), then times {@code redi split} on them with the given config (dedup and decontamination included).
 */
public final class SplitBench {
    static final int SAMPLES = 4;

    private SplitBench() {}

    /** Labelled traces as the label stage writes them (the columns split reads), generated on the executors. */
    public static Dataset<Row> labeled(SparkSession spark, long traces) {
        int partitions = (int) Math.max(2, Math.min(200, traces / 50_000));
        MapPartitionsFunction<Long, Row> make = ids -> {
            List<Row> out = new ArrayList<>();
            while (ids.hasNext()) {
                out.add(trace(ids.next()));
            }
            return out.iterator();
        };
        return spark.range(0, traces, 1, partitions)
                .as(Encoders.LONG())
                .mapPartitions(make, Encoders.row(LabeledTracesTable.SCHEMA));
    }

    private static Row trace(long id) {
        long problem = id / SAMPLES;
        int sample = (int) (id % SAMPLES);
        String text = problemText(problem);
        int gold = (int) (new SplittableRandom(problem * 31 + 7).nextInt(1000));
        SplittableRandom r = new SplittableRandom(id * 1_000_003L + 11);
        boolean correct = r.nextDouble() < 0.6;
        boolean truncated = r.nextDouble() < 0.03;
        StringBuilder thinking = new StringBuilder("<think>\n");
        int length = 60 + r.nextInt(160);
        while (thinking.length() < length) {
            thinking.append("step ")
                    .append(r.nextInt(100))
                    .append(" gives ")
                    .append(r.nextInt(1000))
                    .append(".\n");
        }
        String answer = String.valueOf(correct ? gold : gold + 1 + r.nextInt(9));
        String completion =
                truncated ? thinking.toString() : thinking + "</think>\nThe answer is \\boxed{" + answer + "}.";
        Problem p = new Problem(
                String.format(Locale.ROOT, "bench-%09d", problem),
                text,
                String.valueOf(gold),
                "bench",
                1 + (int) (problem % 5));
        Row trace = TracesTable.sampled(
                p,
                sample,
                "bench",
                completion,
                truncated ? TracesTable.CUT_AT_LIMIT : TracesTable.FINISHED,
                null,
                null,
                null,
                "bench");
        return LabeledTracesTable.row(
                trace,
                correct && !truncated,
                truncated ? null : answer,
                truncated ? "no_answer" : correct ? "match" : "mismatch",
                "1");
    }

    /** Random words; problem 100k+1 repeats problem 100k (exact dup), 100k+2 changes one word of it (near dup). */
    static String problemText(long problem) {
        long seed = problem % 100 == 1 || problem % 100 == 2 ? problem - problem % 100 : problem;
        // Not a multiple of SplittableRandom's own step (0x9E3779B97F4A7C15): that would make problem p+1's words
        // problem p's shifted by one.
        SplittableRandom r = new SplittableRandom(seed * 0xBF58476D1CE4E5B9L + 3);
        int words = 12 + r.nextInt(29);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < words; i++) {
            sb.append(i == 0 ? "" : " ")
                    .append(
                            r.nextInt(10) == 0
                                    ? String.valueOf(r.nextInt(100))
                                    : "w" + Integer.toString(r.nextInt(5000), 36));
        }
        if (problem % 100 == 2) {
            sb.append(" again");
        }
        return sb.append('?').toString();
    }

    /** Writes the traces to {@code runDir/labeled}, runs the split, returns the parseable result line. */
    public static String run(SparkSession spark, RediConfig config, String runDir, long traces) {
        RunDir run = RunDir.open(spark, runDir);
        run.writeTable(labeled(spark, traces), LabeledTracesTable.NAME);
        StageContext context = new StageContext(spark, run, config);
        long started = System.nanoTime();
        double cpuBefore = processCpuSeconds();
        StageOutcome outcome = StageRunner.run(new SplitStage(), context, true);
        double seconds = (System.nanoTime() - started) / 1e9;
        // CPU seconds of this JVM (driver + local executors) too: on a shared machine wall time mostly measures load.
        double cpu = processCpuSeconds() - cpuBefore;
        return String.format(
                Locale.ROOT,
                "split traces=%d seconds=%.1f traces_per_s=%.0f cpu_s=%.1f "
                        + "traces_per_cpu_s=%.0f positives=%d negatives=%d pairs=%d rejects=%s",
                traces,
                seconds,
                traces / seconds,
                cpu,
                traces / cpu,
                outcome.rows().get(PositivesTable.NAME),
                outcome.rows().get(NegativesTable.NAME),
                outcome.rows().get(PairsTable.NAME),
                outcome.rejects());
    }

    private static double processCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean)
                                java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                        .getProcessCpuTime()
                / 1e9;
    }
}
