package redispark.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.train.objective.Objective;

/** The pieces of a checkpoint round-trip exactly; presets and the progress line render as documented. */
class CheckpointPartsTest {
    @TempDir
    Path dir;

    @Test
    void adamWStateRoundTripsAndTheNextUpdateIsTheSame() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> a =
                    Map.of("w", m.create(new float[] {1f, -2f, 3f, 0.5f}, new ai.djl.ndarray.types.Shape(2, 2)));
            Map<String, NDArray> b = Map.of("w", a.get("w").duplicate());
            Map<String, NDArray> g =
                    Map.of("w", m.create(new float[] {0.1f, -0.3f, 0.2f, 0.05f}, new ai.djl.ndarray.types.Shape(2, 2)));
            try (AdamW first = AdamW.standard(m, 1e-2);
                    AdamW second = AdamW.standard(m, 1e-2)) {
                first.step(a, g, 1e-2);
                first.step(a, g, 1e-2);
                first.save(dir.resolve("opt.safetensors"));
                second.load(dir.resolve("opt.safetensors"));
                b.get("w").set(a.get("w").toFloatArray());
                double u1 = first.step(a, g, 1e-2);
                double u2 = second.step(b, g, 1e-2);
                assertThat(second.stepsTaken()).isEqualTo(3);
                assertThat(u2).isEqualTo(u1);
                assertThat(b.get("w").toFloatArray()).containsExactly(a.get("w").toFloatArray());
            }
        }
    }

    @Test
    void trainerStateRoundTripsThroughJson() {
        TrainConfig config = TrainConfig.of(
                        Objective.DPO, new Recipe(2e-7, 1, 32, 1, 0.1, 1e-4, 1.0, 0, 0.001, 0, 42), 19_800)
                .withCheckpointEvery(200);
        Map<String, Long> rejects = new LinkedHashMap<>();
        rejects.put(Rejects.TOO_LONG, 3L);
        TrainerState s = new TrainerState(
                7, 100, 50, 0.14, 0, 7, 42, "abc", 12345, 1, false, "running", List.of("w"), rejects, config);
        TrainerState back = TrainerState.read(writeAndReturn(s));
        assertThat(back).isEqualTo(s);
        assertThat(back.config().resumableFrom(config)).isTrue();
    }

    private Path writeAndReturn(TrainerState s) {
        try {
            Path file = dir.resolve("trainer_state.json");
            java.nio.file.Files.writeString(file, s.toJson());
            assertThat(s.toJson()).contains("\"global_step\"", "\"cursor_step\"", "\"data_seed\"");
            return file;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theProgressLineShowsStepLossLearningRateAndEta() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", 0.53214);
        m.put("rewards/margins", 0.25);
        m.put("learning_rate", 1.2e-4);
        String line = ProgressBar.line(35, 100, m, 0.41);
        assertThat(line)
                .isEqualTo(
                        "[train] [########................]  35/100 loss 0.5321 margin 0.2500 lr 1.2e-04 0.41 s/step ETA 0:27");
    }
}
