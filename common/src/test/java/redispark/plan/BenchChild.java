package redispark.plan;

import java.nio.file.Path;
import redispark.model.KernelPath;
import redispark.model.LayerKernel;
import redispark.train.StepCompute;
import redispark.train.TrainStepBench;

/**
 * {@code redi bench train-step} in a JVM of its own, so its peak resident set is the bench's alone: config, seq,
 * recompute, dtype, logprob chunk; batch 1, one timed step, 2 threads.
 */
public final class BenchChild {

    private BenchChild() {}

    public static void main(String[] args) {
        int seq = Integer.parseInt(args[1]);
        StepCompute compute = StepCompute.defaults()
                .withRecompute(KernelPath.Recompute.parse(args[2]))
                .withDtype(LayerKernel.ComputeType.parse(args[3]))
                .withLogprobChunk(Integer.parseInt(args[4]))
                .withMaxTokensPerMicroBatch(seq);
        System.out.println(TrainStepBench.run(Path.of(args[0]), 1, seq, 1, 2, compute));
    }
}
