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

    public Recipe withLearningRate(double v) {
        return copy(b -> b.learningRate = v);
    }

    public Recipe withEpochs(int v) {
        return copy(b -> b.epochs = v);
    }

    public Recipe withBatchSize(int v) {
        return copy(b -> b.batchSize = v);
    }

    public Recipe withMicroBatchSize(int v) {
        return copy(b -> b.microBatchSize = v);
    }

    public Recipe withWarmupRatio(double v) {
        return copy(b -> b.warmupRatio = v);
    }

    public Recipe withWeightDecay(double v) {
        return copy(b -> b.weightDecay = v);
    }

    public Recipe withGradClip(double v) {
        return copy(b -> b.gradClip = v);
    }

    public Recipe withAlpha(double v) {
        return copy(b -> b.alpha = v);
    }

    public Recipe withBeta(double v) {
        return copy(b -> b.beta = v);
    }

    public Recipe withGamma(double v) {
        return copy(b -> b.gamma = v);
    }

    public Recipe withSeed(long v) {
        return copy(b -> b.seed = v);
    }

    /** A copy with {@code change} applied, checked like any recipe. */
    private Recipe copy(java.util.function.Consumer<Values> change) {
        Values v = new Values(this);
        change.accept(v);
        return new Recipe(
                v.learningRate,
                v.epochs,
                v.batchSize,
                v.microBatchSize,
                v.warmupRatio,
                v.weightDecay,
                v.gradClip,
                v.alpha,
                v.beta,
                v.gamma,
                v.seed);
    }

    /** The components of a recipe, open to change one at a time. */
    private static final class Values {
        double learningRate;
        int epochs;
        int batchSize;
        int microBatchSize;
        double warmupRatio;
        double weightDecay;
        double gradClip;
        double alpha;
        double beta;
        double gamma;
        long seed;

        Values(Recipe r) {
            learningRate = r.learningRate;
            epochs = r.epochs;
            batchSize = r.batchSize;
            microBatchSize = r.microBatchSize;
            warmupRatio = r.warmupRatio;
            weightDecay = r.weightDecay;
            gradClip = r.gradClip;
            alpha = r.alpha;
            beta = r.beta;
            gamma = r.gamma;
            seed = r.seed;
        }
    }
}
