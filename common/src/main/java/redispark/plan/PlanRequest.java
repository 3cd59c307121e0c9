package redispark.plan;

import redispark.model.KernelPath;
import redispark.model.LayerKernel;
import redispark.model.ModelConfig;

/**
 * What {@link TrainPlan} sizes: one data-parallel rank (one GPU) training {@code model} on sequences of {@code seq}
 * tokens through the kernel path.
 *
 * @param model the decoder's shape
 * @param seq tokens per sequence (T)
 * @param microBatchTokens rows × longest row of one forward ({@code train.max-tokens-per-micro-batch}); a micro-batch
 *     holds {@code max(1, microBatchTokens / seq)} rows
 * @param batch sequences per GPU per optimizer step (gradient accumulation over micro-batches)
 * @param gpus data-parallel ranks, one per GPU; each holds a full replica
 * @param dtype compute type inside the kernel; weights, gradients and AdamW state are fp32 either way
 * @param recompute per-layer recompute in the backward, or the full graph
 * @param attention fused (O(T) memory) or materialised (T × T) attention
 * @param logprobChunk tokens per LM-head call (C)
 * @param tflops sustained FLOP rate of one GPU, in 10^12 FLOP/s
 * @param linkGBps bus bandwidth of the gradient exchange, in GB/s (10^9 bytes/s; what {@code redi bench allreduce}
 *     prints as busbw_gbps)
 * @param memGib device memory one rank may use, GiB
 * @param hostBaselineMib resident memory of the process before any tensor (JVM + libtorch), MiB; 0 for device memory
 */
public record PlanRequest(
        ModelConfig model,
        int seq,
        int microBatchTokens,
        int batch,
        int gpus,
        LayerKernel.ComputeType dtype,
        KernelPath.Recompute recompute,
        Attention attention,
        int logprobChunk,
        double tflops,
        double linkGBps,
        double memGib,
        double hostBaselineMib) {

    public PlanRequest {
        require(
                model != null && dtype != null && recompute != null && attention != null,
                "model, dtype, recompute and" + " attention must be set");
        require(seq >= 1, "--seq must be >= 1, got " + seq);
        require(microBatchTokens >= 1, "--micro-batch-tokens must be >= 1, got " + microBatchTokens);
        require(batch >= 1, "--batch must be >= 1, got " + batch);
        require(gpus >= 1, "--gpus must be >= 1, got " + gpus);
        require(logprobChunk >= 1, "--logprob-chunk must be >= 1, got " + logprobChunk);
        require(tflops > 0, "--tflops must be > 0, got " + tflops);
        require(linkGBps > 0, "--link-gbps must be > 0, got " + linkGBps);
        require(memGib > 0, "--gpu-mem-gib must be > 0, got " + memGib);
        require(hostBaselineMib >= 0, "--host-baseline-mib must be >= 0, got " + hostBaselineMib);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Rows of one forward: as many whole sequences as the token budget holds (at least one, at most the batch). */
    public int rows() {
        return Math.max(1, Math.min(batch, microBatchTokens / seq));
    }

    /** Forwards per optimizer step. */
    public int microBatches() {
        return (batch + rows() - 1) / rows();
    }
}
