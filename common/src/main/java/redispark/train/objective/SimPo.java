package redispark.train.objective;

import ai.djl.ndarray.NDArray;

/**
 * SimPO (Meng et al. 2024), reference-free with length-normalised rewards and a target margin (paper eq. 3):
 *
 * <pre>  L = −log σ(β · (logπ(y⁺)/|y⁺| − logπ(y⁻)/|y⁻|) − γ)</pre>
 *
 * Rewards are {@code β·logπ(y)/|y|} (TRL's CPOTrainer with {@code loss_type="simpo"}). Worked example: β 2, γ 1,
 * chosen −2/4, rejected −6/3: {@code −log σ(2·1.5 − 1) = ln(1 + e^−2) = 0.126928}.
 */
public final class SimPo {
    private SimPo() {}

    /**
     * @param beta scalar NDArray holding β
     * @param gamma scalar NDArray holding γ (the paper's best: β 2, γ 1)
     */
    public static PairLoss loss(SequenceLogProbs chosen, SequenceLogProbs rejected, NDArray beta, NDArray gamma) {
        NDArray chosenRewards = chosen.perTokenMean().mul(beta);
        NDArray rejectedRewards = rejected.perTokenMean().mul(beta);
        NDArray perPair =
                Sigmoids.negLogSigmoid(chosenRewards.sub(rejectedRewards).sub(gamma));
        return new PairLoss(perPair, chosenRewards, rejectedRewards);
    }
}
