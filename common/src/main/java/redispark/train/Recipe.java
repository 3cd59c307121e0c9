package redispark.train;

import java.io.Serializable;

/**
 * The hyper-parameters of one objective's training run (what a {@link Preset} fixes and config keys override).
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
        return new Recipe(
                v, epochs, batchSize, microBatchSize, warmupRatio, weightDecay, gradClip, alpha, beta, gamma, seed);
    }

    public Recipe withEpochs(int v) {
        return new Recipe(
                learningRate,
                v,
                batchSize,
                microBatchSize,
                warmupRatio,
                weightDecay,
                gradClip,
                alpha,
                beta,
                gamma,
                seed);
    }

    public Recipe withBatchSize(int v) {
        return new Recipe(
                learningRate, epochs, v, microBatchSize, warmupRatio, weightDecay, gradClip, alpha, beta, gamma, seed);
    }

    public Recipe withMicroBatchSize(int v) {
        return new Recipe(
                learningRate, epochs, batchSize, v, warmupRatio, weightDecay, gradClip, alpha, beta, gamma, seed);
    }

    public Recipe withWarmupRatio(double v) {
        return new Recipe(
                learningRate, epochs, batchSize, microBatchSize, v, weightDecay, gradClip, alpha, beta, gamma, seed);
    }

    public Recipe withWeightDecay(double v) {
        return new Recipe(
                learningRate, epochs, batchSize, microBatchSize, warmupRatio, v, gradClip, alpha, beta, gamma, seed);
    }

    public Recipe withGradClip(double v) {
        return new Recipe(
                learningRate, epochs, batchSize, microBatchSize, warmupRatio, weightDecay, v, alpha, beta, gamma, seed);
    }

    public Recipe withAlpha(double v) {
        return new Recipe(
                learningRate,
                epochs,
                batchSize,
                microBatchSize,
                warmupRatio,
                weightDecay,
                gradClip,
                v,
                beta,
                gamma,
                seed);
    }

    public Recipe withBeta(double v) {
        return new Recipe(
                learningRate,
                epochs,
                batchSize,
                microBatchSize,
                warmupRatio,
                weightDecay,
                gradClip,
                alpha,
                v,
                gamma,
                seed);
    }

    public Recipe withGamma(double v) {
        return new Recipe(
                learningRate,
                epochs,
                batchSize,
                microBatchSize,
                warmupRatio,
                weightDecay,
                gradClip,
                alpha,
                beta,
                v,
                seed);
    }

    public Recipe withSeed(long v) {
        return new Recipe(
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
                v);
    }
}
