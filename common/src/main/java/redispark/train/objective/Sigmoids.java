package redispark.train.objective;

import ai.djl.ndarray.NDArray;

/** Numerically safe pieces shared by the sigmoid-type preference losses. */
final class Sigmoids {
    private Sigmoids() {}

    /**
     * {@code −log σ(z) = softplus(−z) = log(1 + e^−z)}, element-wise, without overflow for large |z| (libtorch's
     * softplus returns its input above 20, where the rest is below 2e-9).
     */
    static NDArray negLogSigmoid(NDArray z) {
        return z.neg().getNDArrayInternal().softPlus();
    }
}
