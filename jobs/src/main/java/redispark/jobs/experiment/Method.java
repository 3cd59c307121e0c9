package redispark.jobs.experiment;

import redispark.jobs.config.ConfigError;
import redispark.jobs.config.RediConfig;
import redispark.jobs.train.TrainSettings;
import redispark.train.Recipe;
import redispark.train.objective.Objective;

/**
 * The stage-2 methods the paper compares in its Table 2, each as an objective plus the settings that make it that
 * method. "Continued SFT" is REDI with α = 0: the token-mean NLL of the chosen trace of each pair, so it sees exactly
 * the data and steps the others see.
 */
public enum Method {
    SFT_CONTINUED("sft-continued", Objective.REDI, 0.0),
    DPO("dpo", Objective.DPO, null),
    SIMPO("simpo", Objective.SIMPO, null),
    REDI_SYMMETRIC("redi-symmetric", Objective.REDI, 1.0),
    REDI("redi", Objective.REDI, null);

    private final String label;
    private final Objective objective;
    /** α forced by the method (REDI family); null = the configured settings of the objective. */
    private final Double alpha;

    Method(String label, Objective objective, Double alpha) {
        this.label = label;
        this.objective = objective;
        this.alpha = alpha;
    }

    public String label() {
        return label;
    }

    public Objective objective() {
        return objective;
    }

    /** The learning rate of a run at {@code lrFactor}: the objective's configured rate times the factor. */
    double learningRate(RediConfig config, double lrFactor) {
        return TrainSettings.recipe(config, objective).learningRate() * lrFactor;
    }

    /** The recipe of one run: the configured one with the method's α, the learning rate times {@code lrFactor}, the seed. */
    Recipe recipe(Recipe configured, double lrFactor, long seed) {
        Recipe r = configured
                .with(Recipe.Key.LEARNING_RATE, configured.learningRate() * lrFactor)
                .with(Recipe.Key.SEED, seed);
        return alpha == null ? r : r.with(Recipe.Key.ALPHA, alpha);
    }

    public static Method parse(String label) {
        for (Method m : values()) {
            if (m.label.equals(label)) {
                return m;
            }
        }
        throw new ConfigError("experiment.methods: unknown method '" + label
                + "' (expected sft-continued, dpo, simpo, redi-symmetric or redi)");
    }
}
