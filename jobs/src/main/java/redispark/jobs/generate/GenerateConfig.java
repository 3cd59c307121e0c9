package redispark.jobs.generate;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueType;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import redispark.jobs.config.ConfigError;
import redispark.jobs.config.RediConfig;
import redispark.teacher.ErrorModel;
import redispark.teacher.Family;
import redispark.teacher.LocalModelTeacher;
import redispark.teacher.ProblemSpec;
import redispark.teacher.Slip;
import redispark.teacher.openai.OpenAiClient;
import redispark.teacher.openai.OpenAiTeacherConfig;

/**
 * The {@code problems.*} and {@code teacher.*} keys of a run, parsed and checked once on the driver. A bad value
 * is a one-line {@link IllegalArgumentException} naming its key.
 *
 * @param generationConfig the hash stored with every trace: what decides a sample's content (teacher kind, seed
 *     and the kind's sampling settings), not how it is fetched (counts, timeouts, concurrency), so a rerun with more
 *     samples or another timeout keeps the traces it has
 */
public record GenerateConfig(Problems problems, Teachers teacher, String generationConfig) implements Serializable {

    /** {@code problems.count = "all"}. */
    public static final int ALL = -1;

    /** Problem sources of {@code problems.source}. */
    public enum Source {
        BUILTIN,
        BENCHMARK,
        TABLE
    }

    /** Teachers of {@code teacher.kind}. */
    public enum Kind {
        BUILTIN,
        OPENAI,
        LOCAL,
        OPENR1
    }

    /**
     * @param count training problems ({@link #ALL} = every remaining one; builtin: exact)
     * @param spec the synthetic families (builtin only, else null)
     */
    public record Problems(
            Source source, int count, int heldoutCount, long seed, ProblemSpec spec, Benchmarks benchmark, Table table)
            implements Serializable {}

    /** @param dir the configured folder, "" = auto-locate */
    public record Benchmarks(String dir, List<String> names) implements Serializable {}

    /** @param idColumn "" = hash of the problem text; {@code difficultyColumn} "" = 1 */
    public record Table(
            String path,
            String format,
            String problemColumn,
            String answerColumn,
            String idColumn,
            String difficultyColumn,
            String sourceName)
            implements Serializable {}

    /**
     * @param partitions Spark partitions of the sampling work, 0 = default parallelism
     * @param checkpointEvery problems per saved chunk, 0 = no intermediate saves
     */
    public record Teachers(
            Kind kind,
            int samples,
            long seed,
            int partitions,
            int checkpointEvery,
            ErrorModel errorModel,
            OpenAi openai,
            Local local,
            OpenR1 openr1)
            implements Serializable {}

    /** The OpenAI teacher's config plus how a Spark task drives it. */
    public record OpenAi(OpenAiTeacherConfig config, int threadsPerTask, Duration problemTimeout)
            implements Serializable {}

    public record Local(String modelDir, LocalModelTeacher.Settings settings) implements Serializable {}

    /**
     * @param variant "raw", "220k" or "auto"
     * @param requireValidProblem "auto", "true" or "false"
     */
    public record OpenR1(
            String path,
            String variant,
            String requireValidProblem,
            List<String> dropSources,
            boolean requireConsistentLengths)
            implements Serializable {}

    /** The config sub-trees these settings are read from: the generate stage's rerun key. */
    public static final List<String> PATHS = List.of("problems", "teacher");

    /** Reads and checks every key the generate stage uses. */
    public static GenerateConfig from(RediConfig all) {
        RediConfig rc = all.only(PATHS);
        Config c = rc.raw();
        Teachers teacher = teachers(c);
        return new GenerateConfig(problems(c, teacher.kind() == Kind.OPENR1), teacher, generationConfig(rc, teacher));
    }

    private static Problems problems(Config c, boolean importing) {
        Source source = importing ? Source.BUILTIN : choice(c, "problems.source", Source.class);
        int count = countOrAll(c, "problems.count");
        int heldout = c.getInt("problems.heldout-count");
        if (heldout < 0) {
            throw new ConfigError("problems.heldout-count must be >= 0, got " + heldout);
        }
        ProblemSpec spec = null;
        if (source == Source.BUILTIN && !importing) {
            if (count == ALL) {
                throw new ConfigError("problems.count: \"all\" needs a finite source; the builtin "
                        + "source generates exactly problems.count problems");
            }
            spec = problemSpec(c, count + heldout);
        }
        Benchmarks benchmarks = new Benchmarks(
                c.getString("problems.benchmark.dir").strip(),
                List.copyOf(c.getStringList("problems.benchmark.names")));
        if (source == Source.BENCHMARK) {
            if (benchmarks.names().isEmpty()) {
                throw new ConfigError("problems.benchmark.names: name at least one benchmark");
            }
            for (String name : benchmarks.names()) {
                try {
                    redispark.teacher.source.Benchmark.fromId(name);
                } catch (IllegalArgumentException e) {
                    throw new ConfigError("problems.benchmark.names: " + e.getMessage());
                }
            }
        }
        Table table = new Table(
                c.getString("problems.table.path").strip(),
                c.getString("problems.table.format").strip().toLowerCase(Locale.ROOT),
                c.getString("problems.table.problem-column").strip(),
                c.getString("problems.table.answer-column").strip(),
                c.getString("problems.table.id-column").strip(),
                c.getString("problems.table.difficulty-column").strip(),
                c.getString("problems.table.source-name").strip());
        if (source == Source.TABLE) {
            requireNonBlank("problems.table.path", table.path());
            requireNonBlank("problems.table.problem-column", table.problemColumn());
            requireNonBlank("problems.table.answer-column", table.answerColumn());
            requireNonBlank("problems.table.source-name", table.sourceName());
            if (!List.of("auto", "parquet", "jsonl").contains(table.format())) {
                throw new ConfigError(
                        "problems.table.format: expected auto, parquet or jsonl, got '" + table.format() + "'");
            }
        }
        return new Problems(source, count, heldout, c.getLong("problems.seed"), spec, benchmarks, table);
    }

    static ProblemSpec problemSpec(Config c, int total) {
        List<Family> families = new ArrayList<>();
        for (String name : c.getStringList("problems.families")) {
            try {
                families.add(Family.valueOf(name.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new ConfigError("problems.families: unknown family '" + name + "' (known: "
                        + Arrays.toString(Family.values()).toLowerCase(Locale.ROOT) + ")");
            }
        }
        try {
            return new ProblemSpec(
                    families,
                    total,
                    c.getInt("problems.min-steps"),
                    c.getInt("problems.max-steps"),
                    c.getInt("problems.max-digits"),
                    c.getLong("problems.seed"));
        } catch (IllegalArgumentException e) {
            throw new ConfigError("problems: " + e.getMessage());
        }
    }

    private static Teachers teachers(Config c) {
        Kind kind = choice(c, "teacher.kind", Kind.class);
        int samples = c.getInt("teacher.samples");
        if (samples < 1) {
            throw new ConfigError("teacher.samples must be >= 1, got " + samples);
        }
        int partitions = c.getInt("teacher.partitions");
        if (partitions < 0) {
            throw new ConfigError("teacher.partitions must be >= 0, got " + partitions);
        }
        int checkpointEvery = c.getInt("teacher.checkpoint-every");
        if (checkpointEvery < 0) {
            throw new ConfigError("teacher.checkpoint-every must be >= 0, got " + checkpointEvery);
        }
        ErrorModel errorModel = new ErrorModel(
                c.getDouble("teacher.error-model.slip-per-step"),
                c.getDouble("teacher.error-model.difficulty-growth"),
                c.getDouble("teacher.error-model.truncation-rate"),
                c.getDouble("teacher.error-model.format-variety-rate"),
                c.getDouble("teacher.error-model.max-slip-per-step"),
                slipWeights(c));
        OpenAi openai = kind == Kind.OPENAI ? openai(c) : null;
        Local local = null;
        if (kind == Kind.LOCAL) {
            requireNonBlank("teacher.local.model-dir", c.getString("teacher.local.model-dir"));
            try {
                local = new Local(
                        c.getString("teacher.local.model-dir").strip(),
                        new LocalModelTeacher.Settings(
                                c.getDouble("teacher.local.temperature"),
                                c.getDouble("teacher.local.top-p"),
                                c.getInt("teacher.local.max-new-tokens")));
            } catch (IllegalArgumentException e) {
                throw new ConfigError("teacher.local: " + e.getMessage());
            }
        }
        OpenR1 openr1 = null;
        if (kind == Kind.OPENR1) {
            requireNonBlank("teacher.openr1.path", c.getString("teacher.openr1.path"));
            String variant = c.getString("teacher.openr1.variant").strip().toLowerCase(Locale.ROOT);
            if (!List.of("auto", "raw", "220k").contains(variant)) {
                throw new ConfigError("teacher.openr1.variant: expected auto, raw or 220k, got '" + variant + "'");
            }
            String valid =
                    c.getString("teacher.openr1.require-valid-problem").strip().toLowerCase(Locale.ROOT);
            if (!List.of("auto", "true", "false").contains(valid)) {
                throw new ConfigError(
                        "teacher.openr1.require-valid-problem: expected auto, true or " + "false, got '" + valid + "'");
            }
            openr1 = new OpenR1(
                    c.getString("teacher.openr1.path").strip(),
                    variant,
                    valid,
                    List.copyOf(c.getStringList("teacher.openr1.drop-sources")),
                    c.getBoolean("teacher.openr1.require-consistent-lengths"));
        }
        return new Teachers(
                kind,
                samples,
                c.getLong("teacher.seed"),
                partitions,
                checkpointEvery,
                errorModel,
                openai,
                local,
                openr1);
    }

    private static OpenAi openai(Config c) {
        String p = "teacher.openai.";
        OpenAiClient.Mode mode = choice(c, p + "mode", OpenAiClient.Mode.class);
        OpenAiTeacherConfig config;
        try {
            config = new OpenAiTeacherConfig(
                    OpenAiClientSettings.of(c, p, c.getString(p + "model")),
                    mode,
                    blankToNull(c.getString(p + "system-prompt")),
                    c.getString(p + "prompt-template"),
                    c.getString(p + "response-prefix"),
                    c.getDouble(p + "temperature"),
                    c.getDouble(p + "top-p"),
                    c.getInt(p + "max-tokens"),
                    c.getInt(p + "max-choices-per-request"),
                    c.getBoolean(p + "send-seed"));
        } catch (IllegalArgumentException e) {
            // The record names its field in camelCase; the user knows the config keys.
            throw new ConfigError("teacher.openai: " + e.getMessage());
        } catch (ConfigException e) {
            throw new ConfigError(e.getMessage());
        }
        int threads = c.getInt(p + "threads-per-task");
        if (threads < 0) {
            throw new ConfigError("teacher.openai.threads-per-task must be >= 0, got " + threads);
        }
        Duration timeout = c.getDuration(p + "problem-timeout");
        if (timeout.isZero() || timeout.isNegative()) {
            throw new ConfigError("teacher.openai.problem-timeout must be positive, got " + timeout);
        }
        return new OpenAi(config, threads == 0 ? config.client().maxConcurrency() : threads, timeout);
    }

    /**
     * The hash of what decides a sample's content; see the record doc. The openr1 import hashes its whole
     * sub-tree (path and filters decide which rows are traces).
     */
    static String generationConfig(RediConfig rc, Teachers t) {
        List<String> paths = new ArrayList<>(List.of("teacher.kind", "teacher.seed"));
        switch (t.kind()) {
            case BUILTIN -> paths.add("teacher.error-model");
            case LOCAL -> paths.add("teacher.local");
            case OPENR1 -> paths.add("teacher.openr1");
            case OPENAI -> {
                for (String k : List.of(
                        "model",
                        "mode",
                        "system-prompt",
                        "prompt-template",
                        "response-prefix",
                        "temperature",
                        "top-p",
                        "max-tokens",
                        "send-seed")) {
                    paths.add("teacher.openai." + k);
                }
            }
        }
        return rc.hash(paths.toArray(String[]::new));
    }

    private static int countOrAll(Config c, String key) {
        if (c.getValue(key).valueType() == ConfigValueType.STRING) {
            String s = c.getString(key).strip();
            if (s.equalsIgnoreCase("all")) {
                return ALL;
            }
        }
        int n;
        try {
            n = c.getInt(key);
        } catch (ConfigException e) {
            throw new ConfigError(key + ": expected a number or \"all\", got "
                    + c.getValue(key).render());
        }
        if (n < 0) {
            throw new ConfigError(key + " must be >= 0 or \"all\", got " + n);
        }
        return n;
    }

    private static <E extends Enum<E>> E choice(Config c, String key, Class<E> type) {
        String value = c.getString(key).strip();
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(value)) {
                return e;
            }
        }
        throw new ConfigError(key + ": unknown value '" + value + "' (expected "
                + String.join(
                        ", ",
                        Arrays.stream(type.getEnumConstants())
                                .map(e -> e.name().toLowerCase(Locale.ROOT))
                                .toList())
                + ")");
    }

    private static void requireNonBlank(String key, String value) {
        if (value == null || value.isBlank()) {
            throw new ConfigError(key + " must be set");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /** The config key of one slip kind's weight, e.g. {@code teacher.error-model.slip-weights.near-miss}. */
    public static String slipWeightKey(Slip kind) {
        return "teacher.error-model.slip-weights."
                + kind.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static Map<Slip, Double> slipWeights(Config c) {
        Map<Slip, Double> weights = new EnumMap<>(Slip.class);
        for (Slip kind : Slip.values()) {
            weights.put(kind, c.getDouble(slipWeightKey(kind)));
        }
        return weights;
    }
}
