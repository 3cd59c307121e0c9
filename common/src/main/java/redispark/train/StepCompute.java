package redispark.train;

import java.io.Serializable;
import redispark.model.HostStaging;
import redispark.model.KernelPath;
import redispark.model.Labels;
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
 * @param staging how gradients, weight hashes and checkpoint writes reach host memory: {@code auto} stages only
 *     tensors outside host memory (a GPU's), {@code force} stages every tensor (the GPU code path, run on a CPU)
 */
public record StepCompute(
        TrainPath path,
        KernelPath.Recompute recompute,
        LayerKernel.ComputeType dtype,
        int logprobChunk,
        int maxTokensPerMicroBatch,
        HostStaging.Mode staging)
        implements Serializable {

    /** Which implementation of the model trains. */
    public enum TrainPath {
        KERNEL,
        EAGER;

        public String label() {
            return Labels.of(this);
        }

        public static TrainPath parse(String s) {
            return Labels.parse(TrainPath.class, s, "training path");
        }
    }

    public StepCompute {
        staging = staging == null ? HostStaging.Mode.AUTO : staging;
        if (path == null || recompute == null || dtype == null) {
            throw new IllegalArgumentException("train.path, train.recompute and train.dtype must be set");
        }
        if (logprobChunk < 1) {
            throw new IllegalArgumentException("train.logprob-chunk must be >= 1, got " + logprobChunk);
        }
        if (maxTokensPerMicroBatch < 1) {
            throw new IllegalArgumentException(
                    "train.max-tokens-per-micro-batch must be >= 1, got " + maxTokensPerMicroBatch);
        }
        if (path == TrainPath.EAGER && dtype != LayerKernel.ComputeType.FP32) {
            throw new IllegalArgumentException(
                    "train.dtype = " + dtype.label() + " needs train.path = kernel (the eager path computes in fp32)");
        }
    }

    /** The embedded default: the kernel path in fp32 without recompute (the fastest on a CPU for small students). */
    public static StepCompute defaults() {
        return new StepCompute(
                TrainPath.KERNEL,
                KernelPath.Recompute.OFF,
                LayerKernel.ComputeType.FP32,
                1024,
                4096,
                HostStaging.Mode.AUTO);
    }

    /** The reference path: the eager model, one padded forward per micro-batch. */
    public static StepCompute eager() {
        return new StepCompute(
                TrainPath.EAGER,
                KernelPath.Recompute.OFF,
                LayerKernel.ComputeType.FP32,
                1024,
                4096,
                HostStaging.Mode.AUTO);
    }

    public StepCompute withPath(TrainPath p) {
        return new StepCompute(p, recompute, dtype, logprobChunk, maxTokensPerMicroBatch, staging);
    }

    public StepCompute withRecompute(KernelPath.Recompute r) {
        return new StepCompute(path, r, dtype, logprobChunk, maxTokensPerMicroBatch, staging);
    }

    public StepCompute withDtype(LayerKernel.ComputeType t) {
        return new StepCompute(path, recompute, t, logprobChunk, maxTokensPerMicroBatch, staging);
    }

    public StepCompute withLogprobChunk(int n) {
        return new StepCompute(path, recompute, dtype, n, maxTokensPerMicroBatch, staging);
    }

    public StepCompute withMaxTokensPerMicroBatch(int n) {
        return new StepCompute(path, recompute, dtype, logprobChunk, n, staging);
    }

    public StepCompute withStaging(HostStaging.Mode m) {
        return new StepCompute(path, recompute, dtype, logprobChunk, maxTokensPerMicroBatch, m);
    }

    /** The kernel path's own options. */
    public KernelPath.Options kernelOptions() {
        return new KernelPath.Options(dtype, recompute, logprobChunk);
    }
}
