package redispark.train.objective;

import ai.djl.ndarray.NDArray;

/** Supervised fine-tuning: token-mean negative log-likelihood over all completion tokens of the batch. */
public final class Sft {
    private Sft() {}

    /**
     * {@code −Σ_i sums[i] / Σ_i counts[i]}: every completion token of the batch weighs the same, so long traces are
     * not down-weighted (TRL's SFT default).
     *
     * @throws IllegalArgumentException when the batch has no completion token: a silent zero loss would hide a
     *     data bug.
     */
    public static NDArray loss(SequenceLogProbs logps) {
        NDArray tokens = logps.counts().sum();
        if (tokens.getFloat() <= 0f) {
            throw new IllegalArgumentException("SFT batch has no completion tokens to train on");
        }
        return logps.sums().sum().neg().div(tokens);
    }
}
