package redispark.jobs.experiment;

import java.util.List;
import redispark.jobs.config.ConfigError;
import redispark.jobs.config.RediConfig;
import redispark.jobs.stages.TrainSettings;
import redispark.train.objective.Objective;

/**
 * The stage-2 methods the paper compares in its Table 2, each as an objective plus the settings that make it that
 * method. "Continued SFT" is REDI with α = 0: the token-mean NLL of the chosen trace of each pair, so it sees exactly
 * the data and steps the others see.
 */
public enum Method {
    SFT_CONTINUED("sft-continued", Objective.REDI, "0.0"),
    DPO("dpo", Objective.DPO, null),
    SIMPO("simpo", Objective.SIMPO, null),
    REDI_SYMMETRIC("redi-symmetric", Objective.REDI, "1.0"),
    REDI("redi", Objective.REDI, null);

    private final String label;
    private final Objective objective;
    /** α forced by the method (REDI family); null = the configured settings of the objective. */
    private final String alpha;

    Method(String label, Objective objective, String alpha) {
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
        return TrainSettings.resolve(config, objective).recipe().learningRate() * lrFactor;
    }

    /** The config overrides of one run: the method's α, the learning rate scaled by {@code lrFactor}, the seed. */
    List<String> overrides(RediConfig config, double lrFactor, long seed) {
        String section = TrainSettings.section(objective);
        double lr = learningRate(config, lrFactor);
        List<String> out =
                new java.util.ArrayList<>(List.of(section + ".learning-rate=" + lr, section + ".seed=" + seed));
        if (alpha != null) {
            out.add(section + ".alpha=" + alpha);
        }
        return out;
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
