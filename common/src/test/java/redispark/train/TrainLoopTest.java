package redispark.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
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
 * The trainer end to end on the embedded data with a small decoder: SFT learns, every stage-2 objective moves the
 * reward margin the right way from the SFT model, gradient accumulation equals one big batch, and bad input is
 * refused with a reason.
 */
class TrainLoopTest {
    @TempDir
    static Path dir;

    static TrainFixture data;
    static Path sftDir;
    static double heldOutBefore;
    static double heldOutAfter;
    static List<Map<String, Double>> sftSteps = new ArrayList<>();
    static int threads;

    @AfterAll
    static void restoreThreads() {
        ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
    }

    @BeforeAll
    static void sftOnce() {
        threads = TrainFixture.oneThread();
        data = new TrainFixture(dir.resolve("base"), 36);
        assertThat(data.pairs).hasSizeGreaterThan(6);
        List<TokenizedExample> sft = data.firstPositives();
        List<TokenizedExample> train = sft.subList(0, sft.size() - 6);
        List<TokenizedExample> heldOut = sft.subList(sft.size() - 6, sft.size());
        sftDir = dir.resolve("sft");
        try (NDManager root = NDManager.newBaseManager();
                Qwen2Model model = Qwen2Model.load(data.dir, root)) {
            TrainLoop loop = new TrainLoop(
                    model,
                    config(Objective.SFT, TrainFixture.recipe(1e-2, 4, 8, 8, 0, 0, 0)),
                    Collective.single(),
                    data.padId,
                    sftSteps::add);
            heldOutBefore = loop.completionLoss(heldOut);
            loop.sft(train);
            heldOutAfter = loop.completionLoss(heldOut);
            model.save(sftDir);
        }
    }

    static TrainConfig config(Objective objective, Recipe recipe) {
        return TrainConfig.of(objective, recipe, TrainFixture.MAX_SEQ_LEN);
    }

    @Test
    void sftLowersTheLossOnHeldOutTraces() {
        assertThat(heldOutAfter).isLessThan(heldOutBefore * 0.8);
        assertThat(sftSteps.get(sftSteps.size() - 1).get("loss"))
                .isLessThan(sftSteps.get(0).get("loss"));
        assertThat(sftSteps.get(0))
                .containsKeys(
                        "loss",
                        "grad_norm",
                        "update_norm",
                        "learning_rate",
                        "num_tokens",
                        "tokens_per_sec",
                        "epoch",
                        "global_step",
                        "logps/chosen",
                        "logps_norm/chosen",
                        "lengths/chosen");
        assertThat(sftSteps).allSatisfy(m -> assertThat(m.get("grad_norm")).isFinite());
        assertThat(sftSteps.get(sftSteps.size() - 1).get("epoch")).isCloseTo(4.0, within(1e-9));
    }

    private Map<String, Double> trainStage2(
            Objective objective,
            Recipe recipe,
            List<TokenizedPair> pairs,
            List<Map<String, Double>> steps,
            List<TrainLoop.Result> results) {
        try (NDManager root = NDManager.newBaseManager();
                Qwen2Model model = Qwen2Model.load(sftDir, root)) {
            TrainLoop loop =
                    new TrainLoop(model, config(objective, recipe), Collective.single(), data.padId, steps::add);
            Map<String, Double> before = loop.pairMargins(data.pairs);
            results.add(loop.pairs(pairs));
            Map<String, Double> after = loop.pairMargins(data.pairs);
            assertThat(after.get("rewards/margins"))
                    .as(objective + " margin")
                    .isGreaterThan(before.get("rewards/margins"));
            return Map.of(
                    "before/chosen", before.get("logps_norm/chosen"), "after/chosen", after.get("logps_norm/chosen"));
        }
    }

    @Test
    void rediFromTheSftModelRaisesTheMarginAndStaysInsideTheCollapseAlarm() {
        List<Map<String, Double>> steps = new ArrayList<>();
        List<TrainLoop.Result> results = new ArrayList<>();
        Map<String, Double> chosen =
                trainStage2(Objective.REDI, TrainFixture.recipe(2e-3, 3, 4, 4, 0.8, 0, 0), data.pairs, steps, results);
        assertThat(results.get(0).warnings()).as("collapse warnings").isEmpty();
        // chosen per-token log-prob may drift down slowly at α 0.8, never as far as the alarm's threshold
        assertThat(chosen.get("before/chosen") - chosen.get("after/chosen"))
                .isLessThan(CollapseAlarm.Settings.defaults().logpDrop());
        assertThat(steps.get(0))
                .containsKeys(
                        "loss/pos",
                        "loss/neg",
                        "logps/chosen",
                        "logps/rejected",
                        "logps_norm/chosen",
                        "logps_norm/rejected",
                        "rewards/chosen",
                        "rewards/rejected",
                        "rewards/margins",
                        "rewards/accuracies",
                        "lengths/chosen",
                        "lengths/rejected",
                        "grad_norm",
                        "update_norm");
        Map<String, Double> m = steps.get(0);
        assertThat(m.get("loss")).isCloseTo(m.get("loss/pos") + m.get("loss/neg"), within(1e-5));
        assertThat(m.get("rewards/chosen")).isCloseTo(m.get("logps_norm/chosen"), within(1e-9));
    }

    @Test
    void dpoStartsAtLn2AgainstTheSftReferenceAndRaisesTheMargin() {
        List<TokenizedPair> withRef = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager();
                Qwen2Model sft = Qwen2Model.load(sftDir, root)) {
            List<RefLogProbs> refs = ReferenceLogProbs.compute(sft, data.pairs, 3, data.padId);
            for (int i = 0; i < data.pairs.size(); i++) {
                withRef.add(data.pairs.get(i).withRef(refs.get(i)));
            }
        }
        List<Map<String, Double>> steps = new ArrayList<>();
        trainStage2(Objective.DPO, TrainFixture.recipe(2e-3, 3, 4, 4, 0, 0.5, 0), withRef, steps, new ArrayList<>());
        Map<String, Double> first = steps.get(0);
        // policy = reference before the first update: every log-ratio is 0, the loss is ln 2
        assertThat(first.get("loss")).isCloseTo(Math.log(2), within(1e-4));
        assertThat(first.get("rewards/chosen")).isCloseTo(0.0, within(1e-4));
        assertThat(first.get("logps/chosen")).isCloseTo(first.get("ref_logps/chosen"), within(1e-3));
    }

    @Test
    void dpoWithoutReferenceLogProbsRefusesEveryPair() {
        try (NDManager root = NDManager.newBaseManager();
                Qwen2Model model = Qwen2Model.load(sftDir, root)) {
            TrainLoop loop = new TrainLoop(
                    model,
                    config(Objective.DPO, TrainFixture.recipe(1e-3, 1, 4, 4, 0, 0.1, 0)),
                    Collective.single(),
                    data.padId,
                    m -> {});
            assertThatThrownBy(() -> loop.pairs(data.pairs)).hasMessageContaining("missing_reference");
        }
    }

    @Test
    void simpoRaisesTheMargin() {
        List<Map<String, Double>> steps = new ArrayList<>();
        trainStage2(
                Objective.SIMPO, TrainFixture.recipe(2e-3, 3, 4, 4, 0, 2.0, 1.0), data.pairs, steps, new ArrayList<>());
        assertThat(steps.get(0).get("rewards/chosen"))
                .isCloseTo(2.0 * steps.get(0).get("logps_norm/chosen"), within(1e-5));
    }

    @Test
    void unpairedRediTrainsOnEveryPositiveAndEveryNegative() {
        List<Map<String, Double>> steps = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager();
                Qwen2Model model = Qwen2Model.load(sftDir, root)) {
            TrainLoop loop = new TrainLoop(
                    model,
                    config(Objective.REDI_UNPAIRED, TrainFixture.recipe(2e-3, 1, 12, 6, 0.8, 0, 0)),
                    Collective.single(),
                    data.padId,
                    steps::add);
            Map<String, Double> before = loop.pairMargins(data.pairs);
            loop.unpaired(data.positives, data.negatives);
            Map<String, Double> after = loop.pairMargins(data.pairs);
            assertThat(after.get("rewards/margins")).isGreaterThan(before.get("rewards/margins"));
        }
        double positives = steps.stream().mapToDouble(m -> m.get("count/pos")).sum();
        double negatives = steps.stream().mapToDouble(m -> m.get("count/neg")).sum();
        assertThat(positives).isEqualTo(data.positives.size());
        assertThat(negatives).isEqualTo(data.negatives.size());
        assertThat(steps).allSatisfy(m -> assertThat(m).containsKeys("loss/pos", "loss/neg", "rewards/margins"));
    }

    @Test
    void unpairedStepsThatGetNoNegativeTrainOnThePositiveTermAlone() {
        List<Map<String, Double>> steps = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager();
                Qwen2Model model = Qwen2Model.load(sftDir, root)) {
            // 8 positives and 1 negative in steps of 3: two of the three steps have no negative
            new TrainLoop(
                            model,
                            config(Objective.REDI_UNPAIRED, TrainFixture.recipe(1e-3, 1, 3, 3, 0.8, 0, 0)),
                            Collective.single(),
                            data.padId,
                            steps::add)
                    .unpaired(data.positives.subList(0, 8), data.negatives.subList(0, 1));
        }
        assertThat(steps).hasSize(3).allSatisfy(m -> assertThat(m.get("loss")).isFinite());
        assertThat(steps.stream().mapToDouble(m -> m.get("count/neg")).sum()).isEqualTo(1.0);
        assertThat(steps.get(0)).doesNotContainKey("loss/neg");
        assertThat(steps.get(0).get("loss")).isCloseTo(steps.get(0).get("loss/pos"), within(1e-5));
    }

    @Test
    void gradientAccumulationGivesTheSameStepsAsOneBigBatch() {
        List<Double> big = new ArrayList<>();
        List<Double> accumulated = new ArrayList<>();
        Map<String, float[]> bigWeights;
        Map<String, float[]> accWeights;
        Recipe recipe = TrainFixture.recipe(2e-3, 1, 4, 4, 0.8, 0, 0);
        try (NDManager root = NDManager.newBaseManager();
                Qwen2Model model = Qwen2Model.load(sftDir, root)) {
            new TrainLoop(
                            model,
                            config(Objective.REDI, recipe).withMaxSteps(3),
                            Collective.single(),
                            data.padId,
                            m -> big.add(m.get("loss")))
                    .pairs(data.pairs);
            bigWeights = TrainFixture.weights(model);
        }
        try (NDManager root = NDManager.newBaseManager();
                Qwen2Model model = Qwen2Model.load(sftDir, root)) {
            new TrainLoop(
                            model,
                            config(Objective.REDI, recipe.with(Recipe.Key.MICRO_BATCH_SIZE, 1))
                                    .withMaxSteps(3),
                            Collective.single(),
                            data.padId,
                            m -> accumulated.add(m.get("loss")))
                    .pairs(data.pairs);
            accWeights = TrainFixture.weights(model);
        }
        assertThat(accumulated).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(accumulated.get(i)).isCloseTo(big.get(i), within(1e-5));
        }
        bigWeights.forEach(
                (name, w) -> assertThat(accWeights.get(name)).as(name).containsExactly(w, within(2e-5f)));
    }

    @Test
    void badPairsAreRefusedWithAReasonAndTheRestIsTrainedOn() {
        TokenizedPair good = data.pairs.get(0);
        TokenizedPair identical = new TokenizedPair("same", good.chosen(), good.chosen());
        long[] longTokens = new long[TrainFixture.MAX_SEQ_LEN + 5];
        java.util.Arrays.fill(longTokens, 7);
        TokenizedPair tooLong = new TokenizedPair("long", good.chosen(), new TokenizedExample("long/r", longTokens, 3));
        try (NDManager root = NDManager.newBaseManager();
                Qwen2Model model = Qwen2Model.load(sftDir, root)) {
            TrainLoop loop = new TrainLoop(
                    model,
                    config(Objective.REDI, TrainFixture.recipe(1e-3, 1, 4, 4, 0.8, 0, 0)),
                    Collective.single(),
                    data.padId,
                    m -> {});
            TrainLoop.Result r = loop.pairs(List.of(good, identical, tooLong, data.pairs.get(1)));
            assertThat(r.rejects().counts())
                    .containsEntry(Rejects.IDENTICAL_PAIR, 1L)
                    .containsEntry(Rejects.TOO_LONG, 1L);
            assertThat(r.rejects().examples().get(Rejects.IDENTICAL_PAIR)).containsExactly("same");
            assertThat(r.lastMetrics().get("count/pairs")).isEqualTo(2.0);
            assertThat(r.steps()).isEqualTo(1);
        }
    }

    @Test
    void anEmptyShardIsAnErrorNotASilentNoOp() {
        try (NDManager root = NDManager.newBaseManager();
                Qwen2Model model = Qwen2Model.load(sftDir, root)) {
            TrainLoop loop = new TrainLoop(
                    model,
                    config(Objective.SFT, TrainFixture.recipe(1e-3, 1, 4, 4, 0, 0, 0)),
                    Collective.single(),
                    data.padId,
                    m -> {});
            assertThatThrownBy(() -> loop.sft(List.of())).hasMessageContaining("empty");
            TokenizedPair same = new TokenizedPair(
                    "same", data.pairs.get(0).chosen(), data.pairs.get(0).chosen());
            TrainLoop redi = new TrainLoop(
                    model,
                    config(Objective.REDI, TrainFixture.recipe(1e-3, 1, 4, 4, 0.8, 0, 0)),
                    Collective.single(),
                    data.padId,
                    m -> {});
            assertThatThrownBy(() -> redi.pairs(List.of(same))).hasMessageContaining("identical_pair");
        }
    }
}
