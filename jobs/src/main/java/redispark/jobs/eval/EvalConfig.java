package redispark.jobs.eval;

import com.typesafe.config.ConfigException;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import redispark.jobs.config.ConfigError;
import redispark.jobs.config.RediConfig;
import redispark.jobs.generate.BenchmarkDir;
import redispark.jobs.generate.OpenAiClientSettings;
import redispark.teacher.openai.OpenAiClientConfig;

/**
 * The {@code eval.*} keys, read and checked once on the driver.
 *
 * @param models the run's models to evaluate, by checkpoint folder name ({@code base} = the starting student)
 * @param benchmarks {@link EvalProblems#SYNTHETIC} and/or benchmark ids
 * @param benchmarksDir the configured benchmark folder, "" = the environment's or the shipped files
 * @param instruction the user turn of a benchmark problem, with {@code {problem}} in it
 * @param partitions Spark tasks per benchmark, 0 = default parallelism
 * @param maxProblems the first N problems of each benchmark by id, 0 = all
 * @param backend where the answers come from
 * @param served with {@link Backend#OPENAI}: each model of {@code models} → how its server is reached (the served
 *     model name included); empty with {@link Backend#LOCAL}
 */
public record EvalConfig(
        List<String> models,
        List<String> benchmarks,
        String benchmarksDir,
        String instruction,
        int partitions,
        int maxProblems,
        Sampling sampling,
        Backend backend,
        Map<String, OpenAiClientConfig> served)
        implements Serializable {

    /** {@code eval.backend}. */
    public enum Backend {
        /** The run's checkpoint folders, sampled on the executors. */
        LOCAL,
        /** Models served by an OpenAI-compatible server ({@code eval.openai}). */
        OPENAI
    }

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
                        config.getLong("eval.seed")),
                backend(config),
                served(config));
        parsed.validate();
        return parsed;
    }

    private static Backend backend(RediConfig config) {
        String value = config.getString("eval.backend").strip().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "local" -> Backend.LOCAL;
            case "openai" -> Backend.OPENAI;
            default -> throw config.invalid("eval.backend", "expected \"local\" or \"openai\"");
        };
    }

    /** The server of each model of {@code eval.models} with the openai backend; nothing for the local one. */
    private static Map<String, OpenAiClientConfig> served(RediConfig config) {
        Map<String, OpenAiClientConfig> out = new LinkedHashMap<>();
        if (backend(config) != Backend.OPENAI) {
            return out;
        }
        String p = "eval.openai.";
        if (config.getString(p + "base-url").isBlank()) {
            throw config.invalid(p + "base-url", "required with eval.backend = openai (e.g. http://localhost:8000/v1)");
        }
        for (String name : config.getStringList("eval.models")) {
            String key = p + "models." + quoted(name);
            if (!config.raw().hasPath(key) || config.getString(key).isBlank()) {
                throw config.invalid(
                        "eval.models",
                        "'" + name + "' has no served model name: set " + p + "models." + name
                                + " (eval.backend = openai)");
            }
            try {
                out.put(
                        name,
                        OpenAiClientSettings.of(
                                config.raw(), p, config.getString(key).strip()));
            } catch (IllegalArgumentException | ConfigException e) {
                throw new ConfigError("eval.openai: " + e.getMessage());
            }
        }
        return out;
    }

    /** A model name as one path element (names may hold '.', which HOCON paths split at). */
    private static String quoted(String name) {
        return "\"" + name + "\"";
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
