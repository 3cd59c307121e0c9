package redispark.train.objective;

import ai.djl.ndarray.NDArray;

/**
 * REDI, the reinforcement-distillation objective (Xu et al. 2025, eq. 5):
 *
 * <pre>  L = mean over pairs of ( −logπ(y⁺|x)/|y⁺| + α · logπ(y⁻|x)/|y⁻| )</pre>
 *
 * Length-normalised log-likelihood of the correct trace is pushed up, that of the incorrect trace pushed down with
 * weight α (0.8 in the paper; α = 1 is the symmetric variant that collapses at high learning rates). No reference
 * model; the reward of a completion is its per-token mean log-prob. Worked example: α = 0.8, chosen sum −2.0 over 4
 * tokens, rejected −6.0 over 3 tokens gives {@code 0.5 + 0.8·(−2.0) = −1.1}.
 */
public final class Redi {
    private Redi() {}

    /**
     * @param chosen log-prob sums and token counts of the correct traces (P)
     * @param rejected the same for the incorrect traces (P), row i paired with chosen row i
     * @param alpha a scalar NDArray holding α, created in the step's manager (never a Java Number on the grad path:
     *     DJL's {@code mul(Number)} frees its temporary before backward reads it)
     */
    public static PairLoss loss(SequenceLogProbs chosen, SequenceLogProbs rejected, NDArray alpha) {
        NDArray chosenNorm = chosen.perTokenMean();
        NDArray rejectedNorm = rejected.perTokenMean();
        NDArray perPair = chosenNorm.neg().add(rejectedNorm.mul(alpha));
        return new PairLoss(perPair, chosenNorm, rejectedNorm);
    }
}
