package redispark.train.objective;

import ai.djl.ndarray.NDArray;

/**
 * DPO (Rafailov et al. 2023) with summed sequence log-probs, as in the paper's baseline (eq. 2, TRL
 * {@code loss_type="sigmoid"}):
 *
 * <pre>  L = −log σ(β · [(logπ(y⁺) − logπ_ref(y⁺)) − (logπ(y⁻) − logπ_ref(y⁻))])</pre>
 *
 * The reference log-probs are constants (computed once with the SFT model). Rewards are TRL's
 * {@code β·(logπ − logπ_ref)}. Worked example: β 0.1 with log-ratios +1 and −1 gives {@code ln(1 + e^−0.2) =
 * 0.598139}.
 */
public final class Dpo {
    private Dpo() {}

    /**
     * @param chosen policy log-prob sums of the chosen completions (P), differentiable
     * @param rejected the same for the rejected completions (P)
     * @param refChosen (P) reference log-prob sums of the chosen completions, constant
     * @param refRejected (P) the same for the rejected completions
     * @param beta scalar NDArray holding β
     */
    public static PairLoss loss(
            SequenceLogProbs chosen, SequenceLogProbs rejected, NDArray refChosen, NDArray refRejected, NDArray beta) {
        NDArray chosenRewards = chosen.sums().sub(refChosen).mul(beta);
        NDArray rejectedRewards = rejected.sums().sub(refRejected).mul(beta);
        NDArray perPair = Sigmoids.negLogSigmoid(chosenRewards.sub(rejectedRewards));
        return new PairLoss(perPair, chosenRewards, rejectedRewards);
    }
}
