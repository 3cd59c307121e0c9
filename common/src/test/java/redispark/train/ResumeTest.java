package redispark.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.dist.Collective;
import redispark.model.Qwen2Model;
import redispark.train.objective.Objective;

/**
 * Checkpoints are complete: N steps straight and N/2 steps + stop + resume + N/2 steps give bit-identical weights
 * and identical losses at every step (same data, same next loss), including across an epoch boundary and with
 * gradient accumulation.
 */
class ResumeTest {
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

    /** REDI, 2 epochs of 3 steps (batch 4 pairs as 2 micro-batches), warm-up and decay: N = 6. */
    private static TrainConfig config() {
        return TrainConfig.of(Objective.REDI, TrainFixture.recipe(3e-3, 2, 4, 2, 0.8, 0, 0), TrainFixture.MAX_SEQ_LEN);
    }

    private static List<TokenizedPair> pairs() {
        return data.pairs.subList(0, 10);
    }

    @Test
    void stoppingAndResumingGivesTheSameWeightsAndLossesAsOneRun() throws Exception {
        List<Double> straight = new ArrayList<>();
        Map<String, float[]> straightWeights;
        int total;
        try (NDManager root = NDManager.newBaseManager();
                Qwen2Model model = Qwen2Model.load(data.dir, root)) {
            TrainLoop.Result r = new TrainLoop(
                            model, config(), Collective.single(), data.padId, m -> straight.add(m.get("loss")))
                    .pairs(pairs());
            total = r.steps();
            straightWeights = TrainFixture.weights(model);
        }
        assertThat(total).isEqualTo(6);

        Path checkpoint = dir.resolve("stopped");
        List<Double> resumed = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager();
                Qwen2Model model = Qwen2Model.load(data.dir, root)) {
            TrainLoop.Result r = new TrainLoop(
                            model,
                            config().withMaxSteps(total / 2 + 1),
                            Collective.single(),
                            data.padId,
                            m -> resumed.add(m.get("loss")))
                    .withCheckpointer((state, optimizer) ->
                            Checkpoints.save(model, data.dir, checkpoint, state, optimizer, List.of()))
                    .pairs(pairs());
            assertThat(r.stopReason()).isEqualTo(TrainLoop.StopReason.MAX_STEPS);
            assertThat(r.steps()).isEqualTo(4); // stops inside epoch 2, not at its boundary
        }
        TrainerState state = Checkpoints.state(checkpoint);
        assertThat(state.globalStep()).isEqualTo(4);
        assertThat(state.cursorEpoch()).isEqualTo(1);
        assertThat(state.cursorStep()).isEqualTo(1);
        assertThat(state.finished()).isFalse();
        assertThat(state.stopReason()).isEqualTo("max_steps");
        assertThat(Files.exists(checkpoint.resolve(Checkpoints.OPTIMIZER))).isTrue();

        Map<String, float[]> resumedWeights;
        try (NDManager root = NDManager.newBaseManager();
                Qwen2Model model = Qwen2Model.load(checkpoint, root)) {
            TrainLoop.Result r = new TrainLoop(
                            model, config(), Collective.single(), data.padId, m -> resumed.add(m.get("loss")))
                    .resumingFrom(TrainLoop.Resume.from(checkpoint))
                    .pairs(pairs());
            assertThat(r.steps()).isEqualTo(total);
            assertThat(r.stopReason()).isEqualTo(TrainLoop.StopReason.FINISHED);
            resumedWeights = TrainFixture.weights(model);
        }
        assertThat(resumed).containsExactlyElementsOf(straight);
        straightWeights.forEach(
                (name, w) -> assertThat(resumedWeights.get(name)).as(name).containsExactly(w));
    }

    @Test
    void resumingOnOtherDataOrAnotherRecipeIsAnError() {
        Path checkpoint = dir.resolve("other");
        try (NDManager root = NDManager.newBaseManager();
                Qwen2Model model = Qwen2Model.load(data.dir, root)) {
            new TrainLoop(model, config().withMaxSteps(1), Collective.single(), data.padId, m -> {})
                    .withCheckpointer((state, optimizer) ->
                            Checkpoints.save(model, data.dir, checkpoint, state, optimizer, List.of()))
                    .pairs(pairs());
        }
        try (NDManager root = NDManager.newBaseManager();
                Qwen2Model model = Qwen2Model.load(checkpoint, root)) {
            TrainLoop.Resume resume = TrainLoop.Resume.from(checkpoint);
            assertThatThrownBy(() -> new TrainLoop(model, config(), Collective.single(), data.padId, m -> {})
                            .resumingFrom(resume)
                            .pairs(data.pairs.subList(1, 11)))
                    .hasMessageContaining("other data");
            TrainConfig otherLr = config().withRecipe(config().recipe().with(Recipe.Key.LEARNING_RATE, 1e-4));
            assertThatThrownBy(() -> new TrainLoop(model, otherLr, Collective.single(), data.padId, m -> {})
                            .resumingFrom(resume)
                            .pairs(pairs()))
                    .hasMessageContaining("cannot resume");
        }
    }
}
