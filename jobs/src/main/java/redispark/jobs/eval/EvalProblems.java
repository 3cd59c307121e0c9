package redispark.jobs.eval;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import redispark.jobs.config.ConfigError;
import redispark.jobs.generate.BenchmarkDir;
import redispark.jobs.run.RunDir;
import redispark.jobs.table.EvalPromptsFrame;
import redispark.jobs.table.ProblemsTable;
import redispark.teacher.Problem;
import redispark.teacher.source.Benchmark;
import redispark.teacher.source.BenchmarkProblems;
import redispark.teacher.source.ReadResult;

/** The problems a benchmark asks ({@link EvalPromptsFrame}), spread over the executors. */
public final class EvalProblems {
    /** The run's own held-out synthetic problems, as named in {@code eval.benchmarks} and the summary. */
    public static final String SYNTHETIC = "synthetic";

    private EvalProblems() {}

    /**
     * One benchmark's problems, the first {@code eval.max-problems} by id, spread over {@code eval.partitions} tasks
     * by problem id (a small sorted table would otherwise be one task on one executor) and ordered by id within
     * each, so the sampling seeds are the same on every rerun.
     */
    public static Dataset<Row> of(SparkSession spark, RunDir run, EvalConfig config, String benchmark) {
        Dataset<Row> problems =
                benchmark.equals(SYNTHETIC) ? heldout(spark, run) : shipped(spark, run, config, benchmark);
        if (config.maxProblems() > 0) {
            problems = problems.limit(config.maxProblems());
        }
        int n = config.partitions() > 0
                ? config.partitions()
                : spark.sparkContext().defaultParallelism();
        return problems.repartition(n, col(EvalPromptsFrame.PROBLEM_ID))
                .sortWithinPartitions(EvalPromptsFrame.PROBLEM_ID);
    }

    private static Dataset<Row> heldout(SparkSession spark, RunDir run) {
        Dataset<Row> heldout = run.readTable(spark, ProblemsTable.NAME, "generate")
                .filter(col(ProblemsTable.SPLIT).equalTo(ProblemsTable.HELDOUT))
                .select(
                        col(ProblemsTable.PROBLEM_ID).as(EvalPromptsFrame.PROBLEM_ID),
                        col(ProblemsTable.PROBLEM).as(EvalPromptsFrame.PROBLEM),
                        col(ProblemsTable.GOLD).as(EvalPromptsFrame.GOLD));
        if (heldout.isEmpty()) {
            throw new IllegalArgumentException("no held-out problems (set problems.heldout-count > 0)");
        }
        return heldout.orderBy(EvalPromptsFrame.PROBLEM_ID);
    }

    /** A benchmark file's problems, each wrapped in {@code eval.instruction}. */
    private static Dataset<Row> shipped(SparkSession spark, RunDir run, EvalConfig config, String benchmark) {
        Benchmark which;
        try {
            which = Benchmark.fromId(benchmark);
        } catch (IllegalArgumentException e) {
            throw new ConfigError("eval.benchmarks: " + e.getMessage());
        }
        ReadResult read;
        try {
            read = BenchmarkProblems.fromDir(
                    BenchmarkDir.resolve(config.benchmarksDir(), "eval.benchmarks-dir", run.files()), which);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read benchmark " + benchmark, e);
        }
        List<Row> rows = new ArrayList<>();
        for (Problem p : read.problems()) {
            rows.add(EvalPromptsFrame.row(
                    p.problemId(), config.instruction().replace("{problem}", p.problem()), p.gold()));
        }
        return spark.createDataFrame(rows, EvalPromptsFrame.SCHEMA).orderBy(EvalPromptsFrame.PROBLEM_ID);
    }
}
