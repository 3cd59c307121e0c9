package redispark.train.objective;

import ai.djl.ndarray.NDArray;

/** Supervised fine-tuning: token-mean negative log-likelihood over all completion tokens of the batch. */
public final class Sft {
    private Sft() {}

    /**
     * {@code −Σ_i sums[i] / Σ_i counts[i]}: every completion token of the batch weighs the same, so long traces are
     * not down-weighted (TRL's SFT default). Worked example: sums −2, −3 over 4 and 3 tokens give 5/7.
     *
     * @throws IllegalArgumentException when a row has no completion token: a silent zero loss would hide a data bug
     */
    public static NDArray loss(SequenceLogProbs logps) {
        return loss(logps, logps.counts().sum());
    }

    /**
     * The same with the denominator given, so micro-batches of one optimizer step (gradient accumulation) each
     * divide by the token count of the whole step and their gradients add up to the full batch's.
     *
     * @param tokens scalar NDArray: completion tokens of the whole step
     */
    public static NDArray loss(SequenceLogProbs logps, NDArray tokens) {
        if (logps.counts().size() == 0 || logps.counts().lte(0).any().getBoolean()) {
            throw new IllegalArgumentException("SFT batch has a row with no completion tokens to train on");
        }
        return logps.sums().sum().neg().div(tokens);
    }
}
