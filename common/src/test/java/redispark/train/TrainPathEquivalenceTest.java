package redispark.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.dist.Collective;
import redispark.model.KernelPath;
import redispark.model.LayerKernel;
import redispark.model.Qwen2Model;
import redispark.model.TinyStudent;
import redispark.train.objective.Objective;

/**
 * The kernel path trains the embedded student exactly as the eager reference does: the same loss at every step of
 * SFT and of REDI (recompute on, forward groups split by a small token budget, the log-probs in small chunks), and
 * bf16 compute stays near fp32.
 */
class TrainPathEquivalenceTest {

    @TempDir
    static Path dir;

    static TrainFixture data;
    static int threads;

    @BeforeAll
    static void fixture() {
        threads = TrainFixture.oneThread();
        data = new TrainFixture(dir.resolve("data"), 40);
    }

    @AfterAll
    static void restoreThreads() {
        ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
    }

    /** Kernel path with every memory bound active: recompute, 2 rows per forward at most, 64-token chunks. */
    static final StepCompute KERNEL_SPLIT = StepCompute.defaults()
            .withRecompute(KernelPath.Recompute.LAYER)
            .withMaxTokensPerMicroBatch(600)
            .withLogprobChunk(64);

    /** Per-step losses of a run from the embedded student's seeded initial weights. */
    static List<Double> losses(
            Objective objective,
            Recipe recipe,
            StepCompute compute,
            int steps,
            Function<TrainLoop, TrainLoop.Result> run) {
        List<Double> out = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager();
                Qwen2Model model = Qwen2Model.create(TinyStudent.config(), 3, root)) {
            TrainConfig config = TrainConfig.of(objective, recipe, TrainFixture.MAX_SEQ_LEN)
                    .withCompute(compute)
                    .withMaxSteps(steps);
            run.apply(new TrainLoop(model, config, Collective.single(), data.padId, m -> out.add(m.get("loss"))));
        }
        assertThat(out).hasSize(steps);
        return out;
    }

    static void assertSameLosses(List<Double> kernel, List<Double> eager) {
        for (int i = 0; i < eager.size(); i++) {
            assertThat(Math.abs(kernel.get(i) - eager.get(i)))
                    .as("step %d: %s vs %s", i + 1, kernel.get(i), eager.get(i))
                    .isLessThan(1e-4);
        }
    }

    @Test
    void sftLossesAgreeForFiftySteps() {
        Recipe recipe = TrainFixture.recipe(3e-3, 20, 4, 4, 0, 0, 0);
        List<TokenizedExample> rows = data.positives;
        List<Double> eager = losses(Objective.SFT, recipe, StepCompute.eager(), 50, l -> l.sft(rows));
        List<Double> kernel = losses(Objective.SFT, recipe, KERNEL_SPLIT, 50, l -> l.sft(rows));
        assertSameLosses(kernel, eager);
        assertThat(eager.get(49)).isLessThan(eager.get(0) - 0.5); // it learnt something: the comparison has teeth
    }

    @Test
    void rediLossesAgreeForFiftySteps() {
        Recipe recipe = TrainFixture.recipe(1e-3, 50, 4, 2, 0.8, 0, 0);
        List<TokenizedPair> pairs = data.pairs;
        List<Double> eager = losses(Objective.REDI, recipe, StepCompute.eager(), 50, l -> l.pairs(pairs));
        List<Double> kernel = losses(Objective.REDI, recipe, KERNEL_SPLIT, 50, l -> l.pairs(pairs));
        assertSameLosses(kernel, eager);
        assertThat(eager.get(49)).isLessThan(eager.get(0));
    }

    @Test
    void simpoLossesAgreeThroughTheNoGradPass() {
        Recipe recipe = TrainFixture.recipe(1e-3, 10, 4, 4, 0, 2.0, 1.0);
        List<TokenizedPair> pairs = data.pairs;
        List<Double> eager = losses(Objective.SIMPO, recipe, StepCompute.eager(), 10, l -> l.pairs(pairs));
        List<Double> kernel = losses(Objective.SIMPO, recipe, KERNEL_SPLIT, 10, l -> l.pairs(pairs));
        assertSameLosses(kernel, eager);
    }

    @Test
    void bf16ComputeStaysWithinTwoPercentOfFp32ForTwentySteps() {
        Recipe recipe = TrainFixture.recipe(3e-3, 10, 4, 4, 0, 0, 0);
        List<TokenizedExample> rows = data.positives;
        StepCompute fp32 = StepCompute.defaults().withRecompute(KernelPath.Recompute.LAYER);
        List<Double> reference = losses(Objective.SFT, recipe, fp32, 20, l -> l.sft(rows));
        List<Double> bf16 =
                losses(Objective.SFT, recipe, fp32.withDtype(LayerKernel.ComputeType.BF16), 20, l -> l.sft(rows));
        for (int i = 0; i < reference.size(); i++) {
            assertThat(Math.abs(bf16.get(i) - reference.get(i)) / reference.get(i))
                    .as("step %d", i + 1)
                    .isLessThan(0.02);
        }
        assertThat(bf16).isNotEqualTo(reference); // bf16 really ran
    }
}
