package redispark.model;

import ai.djl.ndarray.NDArray;

/** Per-token log-probabilities of given labels under a model's logits. */
public final class LogProbs {

    private LogProbs() {}

    /**
     * {@code log_softmax(logits, -1)[..., labels]}, computed as {@code logit[label] - logsumexp(logits)} without
     * materialising the full log-softmax.
     *
     * <p>The naive equivalent (same values, one extra (B, T, V) tensor):
     *
     * <pre>{@code
     * logits.logSoftmax(-1).gather(labels.expandDims(-1), -1).squeeze(-1)
     * }</pre>
     *
     * <p>Computed as {@code (logit[label] - m) - log(sum(exp(logits - m)))} with the row max {@code m} detached (it
     * cancels in the gradient), so large logits neither overflow nor lose fp32 precision.
     *
     * @param logits (B, T, V) fp32, usually differentiable
     * @param labels (B, T) int64, every entry in [0, V) (put any valid id, e.g. 0, at padded positions and mask later)
     * @return (B, T) fp32 log-probabilities, differentiable through {@code logits}
     */
    public static NDArray gather(NDArray logits, NDArray labels) {
        if (labels.getShape().dimension() + 1 != logits.getShape().dimension()) {
            throw new IllegalArgumentException(
                    "labels " + labels.getShape() + " must drop the last axis of logits " + logits.getShape());
        }
        int last = logits.getShape().dimension() - 1;
        NDArray picked = logits.gather(labels.expandDims(last), last).squeeze(last); // (B, T)
        NDArray max = logits.max(new int[] {last}, true).stopGradient(); // (B, T, 1)
        NDArray sumExp = logits.sub(max).exp().sum(new int[] {last}); // (B, T)
        // (logit - m) - log Σ exp(logits - m): subtracting m first keeps fp32 precision when logits are large
        return picked.sub(max.squeeze(last)).sub(sumExp.log()); // (B, T)
    }
}
