package redispark.train;

import java.io.Serializable;
import redispark.train.objective.Objective;

/**
 * Everything one training stage needs, resolved once at the edge (CLI or Estimator) and shipped to the workers.
 *
 * @param objective what to minimise
 * @param learningRate peak learning rate (after warm-up)
 * @param epochs passes over the examples
 * @param batchSize examples per optimizer step, across all workers (sequences for SFT, pairs for REDI)
 * @param warmupRatio share of the steps with a linear warm-up from 0; the rest decays linearly to 0
 * @param weightDecay AdamW decoupled weight decay, applied to matrices only (rank ≥ 2)
 * @param gradClip global gradient-norm clip; ≤ 0 disables clipping
 * @param alpha REDI's weight on the negative term
 * @param seed seed of the data order
 * @param maxSeqLen longest prompt + completion accepted, in tokens
 */
public record TrainConfig(
        Objective objective,
        double learningRate,
        int epochs,
        int batchSize,
        double warmupRatio,
        double weightDecay,
        double gradClip,
        double alpha,
        long seed,
        int maxSeqLen)
        implements Serializable {

    public TrainConfig {
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learning-rate must be > 0, got " + learningRate);
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch-size must be >= 1, got " + batchSize);
        }
        if (warmupRatio < 0 || warmupRatio >= 1) {
            throw new IllegalArgumentException("warmup-ratio must be in [0, 1), got " + warmupRatio);
        }
        if (weightDecay < 0) {
            throw new IllegalArgumentException("weight-decay must be >= 0, got " + weightDecay);
        }
        if (maxSeqLen < 2) {
            throw new IllegalArgumentException("max-seq-len must be >= 2, got " + maxSeqLen);
        }
    }
}
