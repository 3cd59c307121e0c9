package redispark.jobs.cli;

import picocli.CommandLine.Option;
import redispark.model.KernelPath;
import redispark.model.LayerKernel;

/** How the layer kernel computes, for the commands that size or time a training step. */
final class KernelOptions {
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

    LayerKernel.ComputeType computeType() {
        return UsageError.option("--dtype", dtype, LayerKernel.ComputeType::parse);
    }

    KernelPath.Recompute recomputation() {
        return UsageError.option("--recompute", recompute, KernelPath.Recompute::parse);
    }
}
