package redispark.jobs.stages;

import com.typesafe.config.ConfigValue;
import java.util.List;
import redispark.jobs.config.ConfigError;
import redispark.jobs.config.RediConfig;
import redispark.jobs.spark.BarrierTraining;
import redispark.model.HostStaging;
import redispark.model.KernelPath;
import redispark.model.LayerKernel;
import redispark.model.ModelConfig;
import redispark.train.CollapseAlarm;
import redispark.train.Preset;
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

    /** The config section of an objective, {@code train.<label>}. */
    public static String section(Objective objective) {
        return "train." + objective.label(); // labels are [a-z-]: valid HOCON path elements
    }

    public static TrainConfig resolve(RediConfig config, Objective objective) {
        String section = section(objective);
        String presetName = config.getString(section + ".preset");
        Preset preset = Preset.parse(presetName.isBlank() ? config.getString("train.preset") : presetName);
        Recipe r = preset.recipe(objective);
        for (String key : config.raw().getConfig(section).root().keySet()) {
            String path = section + "." + key;
            if (NOT_RECIPE.contains(key) || !explicit(config, path)) {
                continue;
            }
            r = switch (key) {
                case "learning-rate" -> r.withLearningRate(config.getDouble(path));
                case "epochs" -> r.withEpochs(config.getInt(path));
                case "batch-size" -> r.withBatchSize(config.getInt(path));
                case "micro-batch-size" -> r.withMicroBatchSize(config.getInt(path));
                case "warmup-ratio" -> r.withWarmupRatio(config.getDouble(path));
                case "weight-decay" -> r.withWeightDecay(config.getDouble(path));
                case "grad-clip" -> r.withGradClip(config.getDouble(path));
                case "alpha" -> r.withAlpha(config.getDouble(path));
                case "beta" -> r.withBeta(config.getDouble(path));
                case "gamma" -> r.withGamma(config.getDouble(path));
                case "seed" -> r.withSeed(config.getLong(path));
                default -> throw new IllegalStateException(path + " is in conf/local.conf but not a recipe key");
            };
        }
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
                parse(config, "train.device", BarrierTraining.Placement::parse));
    }

    /** Whether a key's value came from an environment file or {@code --set}, not from the embedded defaults. */
    static boolean explicit(RediConfig config, String path) {
        ConfigValue value = config.raw().getValue(path);
        return !RediConfig.DEFAULTS_RESOURCE.equals(value.origin().resource());
    }
}
