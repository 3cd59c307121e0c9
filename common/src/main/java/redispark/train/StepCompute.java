package redispark.train;

import java.io.Serializable;
import java.util.Locale;
import redispark.model.KernelPath;
import redispark.model.LayerKernel;

/**
 * How a training step is computed, apart from what it computes: which path runs the model, whether activations are
 * recomputed, the compute type and the memory bounds. None of it changes the maths in fp32 (the paths agree to
 * float rounding), so a checkpoint trained one way resumes the other way.
 *
 * @param path {@code kernel}: the compiled layer kernel, chunked log-probs and token-budget micro-batches;
 *     {@code eager}: the reference model in DJL ops, one padded forward of the whole micro-batch with full logits
 * @param recompute kernel path: recompute each layer in the backward ({@code layer}) or keep the graph ({@code off})
 * @param dtype kernel path: matmul and attention type inside the kernel; weights, gradients and optimizer stay fp32
 * @param logprobChunk kernel path: tokens per LM-head call (the (T, V) logits never exist whole)
 * @param maxTokensPerMicroBatch kernel path: rows × longest row of one forward; a longer row runs alone
 */
public record StepCompute(
        TrainPath path,
        KernelPath.Recompute recompute,
        LayerKernel.ComputeType dtype,
        int logprobChunk,
        int maxTokensPerMicroBatch)
        implements Serializable {

    /** Which implementation of the model trains. */
    public enum TrainPath {
        KERNEL, EAGER;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static TrainPath parse(String s) {
            for (TrainPath p : values()) {
                if (p.label().equals(s.toLowerCase(Locale.ROOT))) {
                    return p;
                }
            }
            throw new IllegalArgumentException("unknown train.path '" + s + "' (expected kernel or eager)");
        }
    }

    public StepCompute {
        if (path == null || recompute == null || dtype == null) {
            throw new IllegalArgumentException("train.path, train.recompute and train.dtype must be set");
        }
        if (logprobChunk < 1) {
            throw new IllegalArgumentException("train.logprob-chunk must be >= 1, got " + logprobChunk);
        }
        if (maxTokensPerMicroBatch < 1) {
            throw new IllegalArgumentException("train.max-tokens-per-micro-batch must be >= 1, got "
                    + maxTokensPerMicroBatch);
        }
        if (path == TrainPath.EAGER && dtype != LayerKernel.ComputeType.FP32) {
            throw new IllegalArgumentException("train.dtype = " + dtype.label()
                    + " needs train.path = kernel (the eager path computes in fp32)");
        }
    }

    /** The embedded default: the kernel path in fp32 without recompute (the fastest on a CPU for small students). */
    public static StepCompute defaults() {
        return new StepCompute(TrainPath.KERNEL, KernelPath.Recompute.OFF, LayerKernel.ComputeType.FP32, 1024, 4096);
    }

    /** The reference path: the eager model, one padded forward per micro-batch. */
    public static StepCompute eager() {
        return new StepCompute(TrainPath.EAGER, KernelPath.Recompute.OFF, LayerKernel.ComputeType.FP32, 1024, 4096);
    }

    public StepCompute withPath(TrainPath p) {
        return new StepCompute(p, recompute, dtype, logprobChunk, maxTokensPerMicroBatch);
    }

    public StepCompute withRecompute(KernelPath.Recompute r) {
        return new StepCompute(path, r, dtype, logprobChunk, maxTokensPerMicroBatch);
    }

    public StepCompute withDtype(LayerKernel.ComputeType t) {
        return new StepCompute(path, recompute, t, logprobChunk, maxTokensPerMicroBatch);
    }

    public StepCompute withLogprobChunk(int n) {
        return new StepCompute(path, recompute, dtype, n, maxTokensPerMicroBatch);
    }

    public StepCompute withMaxTokensPerMicroBatch(int n) {
        return new StepCompute(path, recompute, dtype, logprobChunk, n);
    }

    /** The kernel path's own options. */
    public KernelPath.Options kernelOptions() {
        return new KernelPath.Options(dtype, recompute, logprobChunk);
    }
}
