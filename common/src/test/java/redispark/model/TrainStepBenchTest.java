package redispark.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainStepBenchTest {

  @Test
  void benchReportsParamsAndTokensPerSecond(@TempDir Path dir) {
    Path cfg = dir.resolve("config.json");
    TinyStudent.config().write(cfg);
    String line = TrainStepBench.run(cfg, 2, 16, 2, 1);
    assertThat(line).matches("train-step params=\\d+ tokens_per_s=[0-9.]+ .*");
    assertThat(line).startsWith("train-step params=" + (TinyStudent.config().vocabSize() * 128L + 2 * 442_880L + 128));
  }
}
