package redispark.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.model.KernelPath;
import redispark.model.TinyStudent;

class TrainStepBenchTest {

    @Test
    void benchRunsTheTrainingStepOnEitherPathAndReportsPeakMemory(@TempDir Path dir) {
        Path cfg = dir.resolve("config.json");
        TinyStudent.config().write(cfg);
        String kernel = TrainStepBench.run(
                cfg,
                2,
                16,
                2,
                1,
                StepCompute.defaults().withRecompute(KernelPath.Recompute.LAYER).withMaxTokensPerMicroBatch(32));
        String eager = TrainStepBench.run(cfg, 2, 16, 2, 1, StepCompute.eager());
        long params = TinyStudent.config().vocabSize() * 128L + 2 * 442_880L + 128;
        assertThat(kernel)
                .startsWith("train-step params=" + params + " tokens_per_s=")
                .contains("path=kernel recompute=layer dtype=fp32")
                .matches(".* peak_rss_mib=[1-9]\\d*$");
        assertThat(eager).contains("path=eager").matches(".* peak_rss_mib=[1-9]\\d*$");
        // same seeded weights, tokens and step on both paths: the same loss after the warm-up step
        assertThat(loss(kernel)).isCloseTo(loss(eager), org.assertj.core.api.Assertions.within(1e-3));
    }

    private static double loss(String line) {
        return Double.parseDouble(line.replaceAll(".* loss=([0-9.]+) .*", "$1"));
    }
}
