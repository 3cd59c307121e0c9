package redispark.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.dist.Collective;
import redispark.train.objective.Objective;

/** The replica as the Spark stage runs it: text in, refused rows counted, checkpoints out, resume, collapse stop. */
class TrainWorkerTest {
    @TempDir
    static Path dir;

    static TrainFixture data;
    static int threads;

    @BeforeAll
    static void setUp() {
        threads = TrainFixture.oneThread();
        data = new TrainFixture(dir.resolve("base"), 16);
    }

    @AfterAll
    static void restoreThreads() {
        ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
    }

    private static TrainWorker.Request request(
            TrainConfig config, List<TrainWorker.TextRow> rows, Path work, Path resume, List<Integer> published) {
        return new TrainWorker.Request(
                data.dir,
                resume,
                rows,
                config,
                Collective.single(),
                work,
                (checkpoint, state) -> published.add(state.globalStep()),
                false);
    }

    @Test
    void badRowsAreCountedByReasonAndTheRestTrains() {
        List<TrainWorker.TextRow> rows = new ArrayList<>(data.pairRows.subList(0, 6));
        TrainWorker.TextRow first = rows.get(0);
        rows.add(TrainWorker.TextRow.pair(
                "same",
                first.prompt(),
                first.completions().get(0),
                first.completions().get(0) + "  ",
                null));
        rows.add(TrainWorker.TextRow.pair(
                "empty", first.prompt(), first.completions().get(0), " \n", null));
        rows.add(TrainWorker.TextRow.pair(
                "long", first.prompt(), first.completions().get(0), "x".repeat(500), null));
        rows.add(TrainWorker.TextRow.pair(
                "marker", first.prompt(), first.completions().get(0), "a<|im_end|>b", null));
        TrainConfig config =
                TrainConfig.of(Objective.REDI, TrainFixture.recipe(1e-3, 1, 6, 6, 0.8, 0, 0), TrainFixture.MAX_SEQ_LEN);
        List<Integer> published = new ArrayList<>();
        TrainWorker.Outcome out = TrainWorker.run(request(config, rows, dir.resolve("bad"), null, published));
        assertThat(out.result().rejects().counts())
                .containsEntry(Rejects.IDENTICAL_PAIR, 1L)
                .containsEntry(Rejects.EMPTY_COMPLETION, 1L)
                .containsEntry(Rejects.TOO_LONG, 1L)
                .containsEntry(Rejects.INVALID_COMPLETION, 1L);
        assertThat(out.result().lastMetrics().get("count/pairs")).isEqualTo(6.0);
        assertThat(Checkpoints.state(out.modelDir()).rejects()).containsEntry(Rejects.TOO_LONG, 1L);
        assertThat(published).containsExactly(1);
    }

    @Test
    void aResumedWorkerKeepsTheWholeMetricHistoryAndFinishes() {
        TrainConfig config = TrainConfig.of(
                        Objective.REDI, TrainFixture.recipe(1e-3, 2, 4, 4, 0.8, 0, 0), TrainFixture.MAX_SEQ_LEN)
                .withCheckpointEvery(2);
        List<TrainWorker.TextRow> rows = data.pairRows.subList(0, 8);
        List<Integer> published = new ArrayList<>();
        TrainWorker.Outcome first =
                TrainWorker.run(request(config.withMaxSteps(3), rows, dir.resolve("w1"), null, published));
        assertThat(first.result().stopReason()).isEqualTo(TrainLoop.StopReason.MAX_STEPS);
        assertThat(published).containsExactly(2, 3);
        assertThat(Files.exists(dir.resolve("w1/checkpoint-2")))
                .as("older local checkpoints are removed")
                .isFalse();
        TrainWorker.Outcome second =
                TrainWorker.run(request(config, rows, dir.resolve("w2"), first.modelDir(), published));
        assertThat(second.steps()).isEqualTo(4);
        assertThat(second.metricLines()).hasSize(4);
        assertThat(Checkpoints.metrics(second.modelDir())).hasSize(4);
        assertThat(Checkpoints.state(second.modelDir()).finished()).isTrue();
    }

    @Test
    void aCollapseStopKeepsTheLastCheckpointWrittenBeforeTheAlarm() {
        // symmetric REDI at a huge learning rate collapses; a hair-trigger alarm (any joint drop, any update) stops
        CollapseAlarm.Settings trigger = new CollapseAlarm.Settings(CollapseAlarm.Action.STOP, 1e-9, 1e-9, 1);
        TrainConfig config = TrainConfig.of(
                        Objective.REDI,
                        TrainFixture.recipe(5e-2, 3, 4, 4, 1.0, 0, 0).with(Recipe.Key.WARMUP_RATIO, 0),
                        TrainFixture.MAX_SEQ_LEN)
                .withCheckpointEvery(1)
                .withCollapse(trigger);
        List<Integer> published = new ArrayList<>();
        TrainWorker.Outcome out =
                TrainWorker.run(request(config, data.pairRows, dir.resolve("collapse"), null, published));
        assertThat(out.result().stopReason()).isEqualTo(TrainLoop.StopReason.COLLAPSE);
        assertThat(out.result().warnings()).hasSize(1);
        int stoppedAt = out.result().steps();
        assertThat(Checkpoints.state(out.modelDir()).globalStep()).isEqualTo(stoppedAt - 1);
        assertThat(published).doesNotContain(stoppedAt).contains(0);
    }
}
