package redispark.train.objective;

import ai.djl.ndarray.NDArray;

/**
 * REDI generalised to unpaired data: the paper's two terms, each averaged over its own rows,
 *
 * <pre>  L = mean over positives of (−logπ(y⁺|x)/|y⁺|) + α · mean over negatives of (logπ(y⁻|x)/|y⁻|)</pre>
 *
 * so every correct and every incorrect trace is used, not one pair per problem. With one positive and one negative
 * per prompt it equals {@link Redi}. Worked example (α 0.8): positives −2/4 and −3/3, negatives −6/3 give
 * {@code (0.5 + 1.0)/2 + 0.8·(−2.0) = −0.85}.
 */
public final class RediUnpaired {
    private RediUnpaired() {}

    /**
     * The two terms' per-row parts; the loss of a batch is {@code perPositive.sum()/P + perNegative.sum()/N}.
     *
     * @param perPositive (P) {@code −logπ(y⁺)/|y⁺|} of each positive
     * @param perNegative (N) {@code α·logπ(y⁻)/|y⁻|} of each negative
     * @param positiveRewards (P) per-token mean log-prob of each positive
     * @param negativeRewards (N) the same for each negative
     */
    public record UnpairedLoss(
            NDArray perPositive, NDArray perNegative, NDArray positiveRewards, NDArray negativeRewards) {
        /** The batch loss, each term a mean over its own rows. */
        public NDArray mean() {
            return perPositive.mean().add(perNegative.mean());
        }
    }

    /** @param alpha scalar NDArray holding α (see {@link Redi#loss}) */
    public static UnpairedLoss loss(SequenceLogProbs positives, SequenceLogProbs negatives, NDArray alpha) {
        NDArray positiveNorm = positives.perTokenMean();
        NDArray negativeNorm = negatives.perTokenMean();
        return new UnpairedLoss(positiveNorm.neg(), negativeNorm.mul(alpha), positiveNorm, negativeNorm);
    }
}
