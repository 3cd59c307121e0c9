package redispark.train.objective;

import ai.djl.ndarray.NDArray;

/**
 * What a pair objective returns: the loss of every pair and the implicit reward of each side (TRL's
 * {@code rewards/chosen} and {@code rewards/rejected}; what "reward" means is the objective's own).
 *
 * @param perPair (P) loss of each pair, differentiable
 * @param chosenRewards (P) reward of each chosen completion
 * @param rejectedRewards (P) reward of each rejected completion
 */
public record PairLoss(NDArray perPair, NDArray chosenRewards, NDArray rejectedRewards) {

    /** The batch loss: the mean over pairs. */
    public NDArray mean() {
        return perPair.mean();
    }

    /** {@code chosenRewards − rejectedRewards} (P). */
    public NDArray margins() {
        return chosenRewards.sub(rejectedRewards);
    }
}
