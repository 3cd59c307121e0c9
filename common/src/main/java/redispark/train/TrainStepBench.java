package redispark.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import redispark.dist.Collective;
import redispark.model.ModelConfig;
import redispark.model.Qwen2Model;
import redispark.train.objective.Objective;

/**
 * Throughput and memory of the production training step ({@link TrainLoop}: forward, SFT loss on every token after
 * the first, backward, global-norm clip, AdamW) on random tokens, for a model shape given as a Hugging Face
 * {@code config.json} with seeded weights. {@code tools/parity/bench_torch.py} runs the same model and step in
 * PyTorch eager for comparison.
 */
public final class TrainStepBench {

    private TrainStepBench() {}

    /**
     * Runs one untimed warm-up step, then {@code steps} timed ones.
     *
     * @param compute the path, recompute mode and compute type under test
     * @param threads libtorch intra-op threads for this process
     * @return {@code "train-step params=P tokens_per_s=X … peak_rss_mib=M"}
     */
    public static String run(Path configJson, int batch, int seq, int steps, int threads, StepCompute compute) {
        if (batch < 1 || seq < 2 || steps < 1 || threads < 1) {
            throw new IllegalArgumentException("need batch>=1, seq>=2, steps>=1, threads>=1");
        }
        ModelConfig cfg = ModelConfig.read(configJson);
        if (seq > cfg.maxPositions()) {
            throw new IllegalArgumentException(
                    "--seq " + seq + " is beyond max_position_embeddings " + cfg.maxPositions() + " of " + configJson);
        }
        Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(threads);
        SplittableRandom rng = new SplittableRandom(99);
        List<TokenizedExample> rows = new ArrayList<>();
        for (int i = 0; i < batch * (steps + 1); i++) {
            long[] ids = new long[seq];
            for (int j = 0; j < seq; j++) {
                ids[j] = rng.nextInt(cfg.vocabSize());
            }
            rows.add(new TokenizedExample("bench-" + i, ids, 1));
        }
        // one epoch of steps + 1 batches; the micro-batch is the whole batch, as in the PyTorch script
        Recipe recipe = new Recipe(1e-4, 1, batch, batch, 0.0, 0.1, 1.0, 0.0, 0.0, 0.0, 1);
        TrainConfig config = TrainConfig.of(Objective.SFT, recipe, seq).withCompute(compute);
        List<double[]> timed = new ArrayList<>(); // {step_time, loss} of each step after the warm-up
        long[] rssAfterWarmup = {-1};
        long[] cpuNanos = {0, 0}; // process CPU time (all threads) at the end of the warm-up step and of the last step
        long params;
        try (NDManager root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                Qwen2Model model = Qwen2Model.create(cfg, 1234L, root)) {
            params = model.parameterCount();
            TrainLoop loop = new TrainLoop(model, config, Collective.single(), 0, m -> {
                if (m.get("global_step") == 1.0) {
                    rssAfterWarmup[0] = memoryMiB("VmRSS:");
                    cpuNanos[0] = processCpuNanos();
                } else {
                    timed.add(new double[] {m.get("step_time"), m.get("loss")});
                    cpuNanos[1] = processCpuNanos();
                }
            });
            loop.sft(rows);
        }
        double seconds = timed.stream().mapToDouble(t -> t[0]).sum();
        return String.format(
                Locale.ROOT,
                "train-step params=%d tokens_per_s=%.1f ms_per_step=%.1f cpu_ms_per_step=%.1f loss=%.4f threads=%d path=%s "
                        + "recompute=%s dtype=%s batch=%d seq=%d rss_mib_after_warmup=%d peak_rss_mib=%d",
                params,
                (double) batch * seq * timed.size() / seconds,
                1000 * seconds / timed.size(),
                (cpuNanos[1] - cpuNanos[0]) / 1e6 / timed.size(),
                timed.get(timed.size() - 1)[1],
                threads,
                compute.path().label(),
                compute.recompute().label(),
                compute.dtype().label(),
                batch,
                seq,
                rssAfterWarmup[0],
                memoryMiB("VmHWM:"));
    }

    /**
     * CPU time of the whole process, every thread: on a shared, loaded machine it reads more steadily than wall time.
     */
    private static long processCpuNanos() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0L;
    }

    /** A line of {@code /proc/self/status} in MiB (VmRSS now, VmHWM the high-water mark); -1 without procfs. */
    static long memoryMiB(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
