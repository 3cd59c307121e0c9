package redispark.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.model.KernelPath;
import redispark.model.LayerKernel;
import redispark.model.ModelConfig;

/**
 * The planner's memory model against the CPU training step: each shape runs {@code TrainStepBench} in a fresh JVM and
 * its peak resident set (VmHWM) must be within 20 % of the plan plus the measured process baseline.
 *
 * <p>The children run with glibc returning every freed block of 64 KiB or more to the system at once, so the
 * resident peak counts live tensors, which is what the plan models (as the caching allocator's peak does on a GPU).
 * {@code bin/redi} instead keeps freed memory in the heap for speed, which adds fragmentation to the high-water mark
 * (up to about 1.8 × at T = 4,096 here).
 */
class PlanMatchesBenchTest {

    /** One layer, width 64, vocabulary 256, 16 tokens: what the JVM, DJL and libtorch hold with almost no tensor. */
    static final ModelConfig BASELINE = new ModelConfig(256, 64, 128, 1, 2, 1, 10000, 1e-6, 64, true, -1, -1);

    /** The 44 M-parameter bench shape with a 2,048-token vocabulary: the layer activations dominate. */
    static final ModelConfig NARROW_VOCAB = new ModelConfig(2048, 256, 1024, 4, 4, 2, 10000, 1e-6, 32768, true, -1, -1);

    @Test
    void predictedPeakIsWithinTwentyPercentOfTheMeasuredPeakRss(@TempDir Path dir) throws Exception {
        Path baselineConfig = dir.resolve("baseline.json");
        BASELINE.write(baselineConfig);
        Path narrow = dir.resolve("narrow.json");
        NARROW_VOCAB.write(narrow);
        Path vocab44m = Path.of("..", "tools", "bench-44m-config.json"); // the real 151,936-token vocabulary

        double baselineMib = peakRssMib(run(baselineConfig, 16, "off", "fp32", 1024));
        assertThat(baselineMib).isBetween(100.0, 1024.0);

        List<String> report = new ArrayList<>();
        check(vocab44m, 1024, KernelPath.Recompute.LAYER, baselineMib, report); // head chunk and AdamW dominate
        check(narrow, 4096, KernelPath.Recompute.OFF, baselineMib, report); // every layer's saved activations
        System.out.println(String.join("\n", report));
    }

    private static void check(
            Path config, int seq, KernelPath.Recompute recompute, double baselineMib, List<String> report)
            throws Exception {
        String line = run(config, seq, recompute.label(), "fp32", 1024);
        double measured = peakRssMib(line);
        TrainPlan plan = TrainPlan.of(new PlanRequest(
                ModelConfig.read(config),
                seq,
                seq,
                1,
                1,
                LayerKernel.ComputeType.FP32,
                recompute,
                Attention.SDPA,
                1024,
                1,
                1,
                1024,
                baselineMib));
        double predicted = plan.peakGib() * 1024;
        report.add(String.format(
                "plan vs bench: %s T=%d recompute=%s predicted %.0f MiB measured %.0f MiB (%+.1f %%)",
                config.getFileName(), seq, recompute.label(), predicted, measured, 100 * (predicted / measured - 1)));
        assertThat(predicted)
                .as(report.get(report.size() - 1) + "\n" + plan.table())
                .isBetween(0.8 * measured, 1.2 * measured);
    }

    private static double peakRssMib(String benchLine) {
        return Double.parseDouble(benchLine.replaceAll(".* peak_rss_mib=(\\d+).*", "$1"));
    }

    /** Runs {@link BenchChild} in a new JVM with this test's classpath; returns its last line. */
    private static String run(Path config, int seq, String recompute, String dtype, int chunk)
            throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(
                java.toString(),
                "-Xmx1g",
                "-Djava.awt.headless=true",
                "-Dai.djl.pytorch.num_interop_threads=1",
                "-Dai.djl.pytorch.num_threads=2",
                "-cp",
                System.getProperty("java.class.path"),
                BenchChild.class.getName(),
                config.toAbsolutePath().toString(),
                String.valueOf(seq),
                recompute,
                dtype,
                String.valueOf(chunk));
        pb.environment().put("MALLOC_MMAP_THRESHOLD_", "65536");
        pb.environment().put("MALLOC_TRIM_THRESHOLD_", "131072");
        pb.environment().put("MALLOC_TOP_PAD_", "0");
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        String last = out.strip().lines().reduce((a, b) -> b).orElse("");
        assertThat(last).as(out).startsWith("train-step ").contains(" peak_rss_mib=");
        return last;
    }
}
