package redispark.train;

import java.io.Serializable;

/**
 * The hyper-parameters of one objective's training run (a configured preset's values, with the keys you set over them).
 *
 * @param learningRate peak learning rate (after warm-up)
 * @param epochs passes over the data
 * @param batchSize items per optimizer step, across all workers: sequences (SFT, unpaired REDI) or pairs
 * @param microBatchSize items per forward/backward; a step accumulates {@code ⌈batch/micro⌉} of them
 * @param warmupRatio share of the steps with a linear warm-up from 0; the rest decays linearly to 0
 * @param weightDecay AdamW decoupled weight decay, applied to matrices only (rank ≥ 2)
 * @param gradClip global gradient-norm clip; ≤ 0 disables clipping
 * @param alpha REDI's weight on the negative term (REDI, unpaired REDI; 0 elsewhere)
 * @param beta DPO's or SimPO's inverse temperature (0 elsewhere)
 * @param gamma SimPO's target margin (0 elsewhere)
 * @param seed seed of the data order
 */
public record Recipe(
        double learningRate,
        int epochs,
        int batchSize,
        int microBatchSize,
        double warmupRatio,
        double weightDecay,
        double gradClip,
        double alpha,
        double beta,
        double gamma,
        long seed)
        implements Serializable {

    public Recipe {
        require(learningRate > 0, "learning-rate must be > 0, got " + learningRate);
        require(epochs >= 1, "epochs must be >= 1, got " + epochs);
        require(batchSize >= 1, "batch-size must be >= 1, got " + batchSize);
        require(microBatchSize >= 1, "micro-batch-size must be >= 1, got " + microBatchSize);
        require(warmupRatio >= 0 && warmupRatio < 1, "warmup-ratio must be in [0, 1), got " + warmupRatio);
        require(weightDecay >= 0, "weight-decay must be >= 0, got " + weightDecay);
        require(alpha >= 0 && alpha <= 1, "alpha must be in [0, 1], got " + alpha);
        require(beta >= 0, "beta must be >= 0, got " + beta);
        require(gamma >= 0, "gamma must be >= 0, got " + gamma);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * A recipe component, in component order. Its configuration key ({@code train.<objective>.<key>}) is its name in
     * lower case with dashes.
     */
    public enum Key {
        LEARNING_RATE,
        EPOCHS,
        BATCH_SIZE,
        MICRO_BATCH_SIZE,
        WARMUP_RATIO,
        WEIGHT_DECAY,
        GRAD_CLIP,
        ALPHA,
        BETA,
        GAMMA,
        SEED;

        /** The configuration key: {@code learning-rate} for {@link #LEARNING_RATE}. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }

        /** True when the component is a whole number (a count or a seed). */
        public boolean whole() {
            return Recipe.class.getRecordComponents()[ordinal()].getType() != double.class;
        }

        /** The key with this label, or {@code null} when no recipe component has it. */
        public static Key find(String label) {
            for (Key k : values()) {
                if (k.label().equals(label)) {
                    return k;
                }
            }
            return null;
        }
    }

    /**
     * A copy with {@code key} set to {@code value}, checked like any recipe; a whole-number key refuses a fraction.
     * Whole values stay {@code long} so that no seed is rounded.
     */
    public Recipe with(Key key, Number value) {
        Number[] v = {
            learningRate,
            epochs,
            batchSize,
            microBatchSize,
            warmupRatio,
            weightDecay,
            gradClip,
            alpha,
            beta,
            gamma,
            seed
        };
        if (key.whole() && (value instanceof Double || value instanceof Float)) {
            double d = value.doubleValue();
            if (d != Math.rint(d) || Math.abs(d) > 1L << 53) {
                throw new IllegalArgumentException(key.label() + " must be a whole number, got " + value);
            }
            value = (long) d;
        }
        v[key.ordinal()] = value;
        return new Recipe(
                v[0].doubleValue(),
                count(Key.EPOCHS, v[1]),
                count(Key.BATCH_SIZE, v[2]),
                count(Key.MICRO_BATCH_SIZE, v[3]),
                v[4].doubleValue(),
                v[5].doubleValue(),
                v[6].doubleValue(),
                v[7].doubleValue(),
                v[8].doubleValue(),
                v[9].doubleValue(),
                v[10].longValue());
    }

    private static int count(Key key, Number v) {
        long n = v.longValue();
        if (n != (int) n) {
            throw new IllegalArgumentException(key.label() + " is too large, got " + n);
        }
        return (int) n;
    }
}
