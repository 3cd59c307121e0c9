package redispark.jobs.cli;

import picocli.CommandLine.Option;
import redispark.model.KernelPath;
import redispark.model.LayerKernel;

/** How the layer kernel computes, for the commands that size or time a training step. */
final class KernelOptions {
    // No defaultValue: picocli takes the field's value, which each command sets to its recipe's chunk.
    @Option(
            names = "--logprob-chunk",
            paramLabel = "C",
            description = "Tokens per LM-head call (default: ${DEFAULT-VALUE}).")
    int logprobChunk;

    @Option(
            names = "--dtype",
            defaultValue = "fp32",
            description = "fp32 | bf16 compute inside the kernel (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(
            names = "--recompute",
            defaultValue = "off",
            description =
                    "layer (keep layer inputs, recompute the rest in backward) | off (default: ${DEFAULT-VALUE}).")
    String recompute;

    /** @param logprobChunk the command's default tokens per LM-head call */
    KernelOptions(int logprobChunk) {
        this.logprobChunk = logprobChunk;
    }

    LayerKernel.ComputeType computeType() {
        return UsageError.option("--dtype", dtype, LayerKernel.ComputeType::parse);
    }

    KernelPath.Recompute recomputation() {
        return UsageError.option("--recompute", recompute, KernelPath.Recompute::parse);
    }
}
