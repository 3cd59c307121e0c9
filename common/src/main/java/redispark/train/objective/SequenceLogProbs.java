package redispark.train.objective;

import ai.djl.ndarray.NDArray;

/**
 * Per-sequence log-probabilities of the completion tokens: {@code sums[i] = Σ_t log π(y_t | x, y_<t)} over the
 * completion positions of row i, and {@code counts[i]} = how many completion tokens row i has.
 *
 * <p>Every objective is a pure function of these two arrays (and a few hyper-parameters), as in TRL's DPO loss
 * signature: the model forward, the gather and the masking happen once, in one place ({@code redispark.train.Batches}).
 *
 * @param sums (N) float32, differentiable
 * @param counts (N) float32, constant
 */
public record SequenceLogProbs(NDArray sums, NDArray counts) {

    /** Per-token mean log-probability of each row, {@code sums / counts} (N). */
    public NDArray perTokenMean() {
        return sums.div(counts);
    }

    /** Rows {@code [from, to)} of both arrays. */
    public SequenceLogProbs rows(int from, int to) {
        return new SequenceLogProbs(sums.get(from + ":" + to), counts.get(from + ":" + to));
    }
}
