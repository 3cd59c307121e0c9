package redispark.jobs.eval;

import java.io.Serializable;
import java.util.List;
import redispark.jobs.config.ConfigError;
import redispark.jobs.config.RediConfig;
import redispark.jobs.generate.BenchmarkDir;

/**
 * The {@code eval.*} keys, read and checked once on the driver.
 *
 * @param models the run's models to evaluate, by checkpoint folder name ({@code base} = the starting student)
 * @param benchmarks {@link EvalProblems#SYNTHETIC} and/or benchmark ids
 * @param benchmarksDir the configured benchmark folder, "" = the environment's or the shipped files
 * @param instruction the user turn of a benchmark problem, with {@code {problem}} in it
 * @param partitions Spark tasks per benchmark, 0 = default parallelism
 * @param maxProblems the first N problems of each benchmark by id, 0 = all
 */
public record EvalConfig(
        List<String> models,
        List<String> benchmarks,
        String benchmarksDir,
        String instruction,
        int partitions,
        int maxProblems,
        Sampling sampling)
        implements Serializable {

    /** The sampling settings, the same for every model and benchmark. */
    public record Sampling(int samples, double temperature, double topP, int maxNewTokens, long seed)
            implements Serializable {}

    /** The config sub-trees these settings are read from: the eval stage's rerun key. */
    public static final List<String> PATHS = List.of("eval");

    public static EvalConfig from(RediConfig all) {
        RediConfig config = all.only(PATHS);
        EvalConfig parsed = new EvalConfig(
                List.copyOf(config.getStringList("eval.models")),
                List.copyOf(config.getStringList("eval.benchmarks")),
                config.getString("eval.benchmarks-dir"),
                config.getString("eval.instruction"),
                config.getInt("eval.partitions"),
                config.getInt("eval.max-problems"),
                new Sampling(
                        config.getInt("eval.samples"),
                        config.getDouble("eval.temperature"),
                        config.getDouble("eval.top-p"),
                        config.getInt("eval.max-new-tokens"),
                        config.getLong("eval.seed")));
        parsed.validate();
        return parsed;
    }

    /** The files of the benchmarks other than the run's own problems (fingerprinted: editing one reruns eval). */
    public List<String> benchmarkFiles() {
        return BenchmarkDir.files(
                benchmarksDir,
                benchmarks.stream()
                        .filter(b -> !b.equals(EvalProblems.SYNTHETIC))
                        .toList());
    }

    private void validate() {
        if (partitions < 0) {
            throw new ConfigError("eval.partitions must be >= 0, got " + partitions);
        }
        if (maxProblems < 0) {
            throw new ConfigError("eval.max-problems must be >= 0, got " + maxProblems);
        }
        if (sampling.samples() < 1) {
            throw new ConfigError("eval.samples must be >= 1, got " + sampling.samples());
        }
        if (!instruction.contains("{problem}")) {
            throw new ConfigError("eval.instruction must contain {problem}");
        }
    }
}
