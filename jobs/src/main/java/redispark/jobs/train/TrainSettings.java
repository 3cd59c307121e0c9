package redispark.jobs.train;

import com.typesafe.config.ConfigValue;
import java.util.List;
import redispark.dist.WireFormat;
import redispark.jobs.config.ConfigError;
import redispark.jobs.config.RediConfig;
import redispark.jobs.spark.BarrierTraining;
import redispark.model.HostStaging;
import redispark.model.KernelPath;
import redispark.model.LayerKernel;
import redispark.model.ModelConfig;
import redispark.train.CollapseAlarm;
import redispark.train.Recipe;
import redispark.train.StepCompute;
import redispark.train.TrainConfig;
import redispark.train.objective.Objective;

/**
 * Resolves {@code train.*} into a {@link TrainConfig}: the objective's recipe from its preset
 * ({@code train.<objective>.preset}, else {@code train.preset}), then every key of {@code train.<objective>} that an
 * environment file or {@code --set} gave explicitly. Keys still at the embedded defaults ({@code conf/local.conf},
 * whose values are the tiny preset) leave the preset's value in place, so {@code --set train.preset=paper} gives the
 * paper's recipe and {@code --set train.preset=paper --set train.redi.learning-rate=5e-7} the paper's recipe with
 * one change.
 */
public final class TrainSettings {
    /** Keys of a {@code train.<objective>} section that are not recipe values. */
    static final List<String> NOT_RECIPE = List.of("preset", "ref-batch-size", "ref-partitions");

    private TrainSettings() {}

    /**
     * The keys a training stage's output depends on (upstream changes arrive through its input fingerprints): a
     * change in any of them trains again.
     */
    public static List<String> configPaths(Objective objective) {
        return List.of(
                "train.workers",
                "train.max-seq-len",
                "train.preset",
                "train.max-steps",
                "train.collapse",
                "train.dtype",
                section(objective),
                "student",
                "eval.every");
    }

    /** {@code eval.every}: every this many optimizer steps training also saves the model as it is then. */
    public static int snapshotEvery(RediConfig config) {
        int every = config.getInt("eval.every");
        if (every < 0) {
            throw new ConfigError("eval.every must be >= 0, got " + every);
        }
        return every;
    }

    /** The config section of an objective, {@code train.<label>}. */
    public static String section(Objective objective) {
        return "train." + objective.label(); // labels are [a-z-]: valid HOCON path elements
    }

    /** The preset that is {@code train.<objective>}'s own values: the embedded defaults, or what you set. */
    public static final String DEFAULTS_PRESET = "tiny";

    /**
     * An objective's recipe: its {@code train.<objective>} values, where a preset other than {@code tiny} replaces
     * those left at the embedded defaults with {@code train.presets.<preset>.<objective>}.
     */
    public static Recipe recipe(RediConfig config, Objective objective) {
        String section = section(objective);
        String presetKey = config.getString(section + ".preset").isBlank() ? "train.preset" : section + ".preset";
        String preset = config.getString(presetKey);
        Recipe r = NEUTRAL;
        for (String key : config.raw().getConfig(section).root().keySet()) {
            if (!NOT_RECIPE.contains(key)) {
                r = set(r, key, config, section + "." + key);
            }
        }
        if (preset.equals(DEFAULTS_PRESET)) {
            return r;
        }
        String presetPath = "train.presets." + preset;
        if (!config.raw().hasPath(presetPath)) {
            throw config.invalid(
                    presetKey,
                    "unknown preset (expected " + DEFAULTS_PRESET + " or one of train.presets: "
                            + String.join(
                                    ", ",
                                    config.raw()
                                            .getConfig("train.presets")
                                            .root()
                                            .keySet()) + ")");
        }
        String values = presetPath + "." + objective.label();
        if (config.raw().hasPath(values)) {
            for (String key : config.raw().getConfig(values).root().keySet()) {
                if (!explicit(config, section + "." + key)) {
                    r = set(r, key, config, values + "." + key);
                }
            }
        }
        return r;
    }

    /** A valid recipe every key of a section is then written over. */
    private static final Recipe NEUTRAL = new Recipe(1e-3, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0);

    /** {@code r} with the recipe value {@code key} read from {@code path}: a value it refuses names the key. */
    private static Recipe set(Recipe r, String key, RediConfig config, String path) {
        try {
            Recipe.Key k = Recipe.Key.find(key);
            if (k == null) {
                throw new ConfigError("unknown config key '" + path + "': not a recipe value");
            }
            return r.with(k, k.whole() ? config.getLong(path) : config.getDouble(path));
        } catch (ConfigError e) {
            throw e;
        } catch (IllegalArgumentException e) { // a value the recipe refuses
            throw config.invalid(path, e.getMessage());
        }
    }

    public static TrainConfig resolve(RediConfig config, Objective objective) {
        Recipe r = recipe(config, objective);
        CollapseAlarm.Settings collapse = new CollapseAlarm.Settings(
                CollapseAlarm.Action.parse(config.getString("train.collapse.action")),
                config.getDouble("train.collapse.logp-drop"),
                config.getDouble("train.collapse.update-spike"),
                config.getInt("train.collapse.window"));
        try {
            return new TrainConfig(
                    objective,
                    r,
                    config.getInt("train.max-seq-len"),
                    config.getInt("train.max-steps"),
                    config.getInt("train.checkpoint-every"),
                    collapse,
                    compute(config),
                    modelOverrides(config));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("train." + objective.label() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Resolves every training setting of {@code config} once (each objective's recipe, the step computation, the
     * ring, the model edits), so that a bad value stops the command before any stage runs, as a {@link ConfigError}
     * naming the key.
     */
    public static void validate(RediConfig config) {
        for (Objective o : Objective.values()) {
            try {
                resolve(config, o);
            } catch (ConfigError e) {
                throw e;
            } catch (IllegalArgumentException | com.typesafe.config.ConfigException e) {
                String m = e.getMessage();
                throw new ConfigError(m.startsWith("train.") ? m : section(o) + ": " + m);
            }
        }
        try {
            ring(config);
        } catch (ConfigError e) {
            throw e;
        } catch (IllegalArgumentException | com.typesafe.config.ConfigException e) {
            throw new ConfigError(e.getMessage());
        }
    }

    /** {@code student.max-position-embeddings} and {@code student.rope-theta} (0 = the base model's own). */
    public static ModelConfig.Overrides modelOverrides(RediConfig config) {
        try {
            return new ModelConfig.Overrides(
                    config.getInt("student.max-position-embeddings"), config.getDouble("student.rope-theta"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("student: " + e.getMessage(), e);
        }
    }

    /**
     * {@code train.path}, {@code train.recompute}, {@code train.dtype}, the kernel path's memory bounds and
     * {@code train.dist.staging}.
     */
    public static StepCompute compute(RediConfig config) {
        return new StepCompute(
                parse(config, "train.path", StepCompute.TrainPath::parse),
                parse(config, "train.recompute", KernelPath.Recompute::parse),
                parse(config, "train.dtype", LayerKernel.ComputeType::parse),
                config.getInt("train.logprob-chunk"),
                config.getInt("train.max-tokens-per-micro-batch"),
                parse(config, "train.dist.staging", HostStaging.Mode::parse));
    }

    private static <T> T parse(RediConfig config, String key, java.util.function.Function<String, T> parser) {
        try {
            return parser.apply(config.getString(key));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
        }
    }

    /** The data-parallel ring of {@code train.workers} ranks and {@code train.dist.*}, with a fresh secret. */
    public static BarrierTraining.Ring ring(RediConfig config) {
        return BarrierTraining.Ring.fresh(
                config.getInt("train.workers"),
                config.getString("train.dist.bind-host"),
                config.getString("train.dist.advertise-host"),
                config.raw().getDuration("train.dist.connect-timeout"),
                config.raw().getDuration("train.dist.io-timeout"),
                config.raw().getBoolean("train.dist.seal-frames"),
                config.getInt("train.dist.links"),
                parse(config, "train.dist.wire-format", WireFormat::parse),
                parse(config, "train.device", BarrierTraining.Placement::parse));
    }

    /** Whether a key's value came from an environment file or {@code --set}, not from the embedded defaults. */
    static boolean explicit(RediConfig config, String path) {
        ConfigValue value = config.raw().getValue(path);
        return !RediConfig.DEFAULTS_RESOURCE.equals(value.origin().resource());
    }
}
