package redispark.train.objective;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redispark.train.objective.LossHarness.Seqs;

/**
 * Every objective on a 2-pair batch with values and gradients worked out by hand (in the comments), plus the
 * gradient with respect to the log-prob sums against central finite differences.
 */
class ObjectivesTest {
    private static final double TOL = 1e-9;

    // The shared 2-pair batch: chosen −2 over 4 and −3 over 3 tokens; rejected −6 over 3 and −1 over 2 tokens.
    private static final Seqs CHOSEN = new Seqs(new double[] {-2, -3}, new double[] {4, 3});
    private static final Seqs REJECTED = new Seqs(new double[] {-6, -1}, new double[] {3, 2});

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private SequenceLogProbs logps(float[] sums, float[] counts) {
        return new SequenceLogProbs(manager.create(sums), manager.create(counts));
    }

    private static Map<String, Seqs> pairs() {
        return Map.of("chosen", CHOSEN, "rejected", REJECTED);
    }

    @Test
    void rediMatchesTheHandComputedPairLoss() {
        // chosen −2.0 over 4 tokens, rejected −6.0 over 3 tokens, α = 0.8: 0.5 + 0.8 · (−2.0) = −1.1
        PairLoss loss = Redi.loss(
                logps(new float[] {-2f}, new float[] {4f}),
                logps(new float[] {-6f}, new float[] {3f}),
                manager.create(0.8f));
        assertThat(loss.mean().getFloat()).isCloseTo(-1.1f, within(1e-6f));
    }

    @Test
    void rediOnTwoPairsAveragesThePairLossesAndHasHandComputedGradients() {
        // pair 1: 0.5 − 1.6 = −1.1; pair 2: chosen −3/3 → 1.0, rejected −1/2 → 0.8·(−0.5) = −0.4 → 0.6; mean −0.25.
        // dL/ds⁺ = −1/(P·|y⁺|) = −1/8, −1/6; dL/ds⁻ = α/(P·|y⁻|) = 0.8/6, 0.8/4.
        LossHarness.Result r = LossHarness.evaluate(Objective.REDI, Map.of("alpha", 0.8), pairs(), Map.of());
        assertThat(r.loss()).isCloseTo(-0.25, within(TOL));
        assertThat(r.grads().get("chosen")).containsExactly(new double[] {-1.0 / 8, -1.0 / 6}, within(TOL));
        assertThat(r.grads().get("rejected")).containsExactly(new double[] {0.8 / 6, 0.8 / 4}, within(TOL));
        PairLoss loss = Redi.loss(
                logps(new float[] {-2f, -3f}, new float[] {4f, 3f}),
                logps(new float[] {-6f, -1f}, new float[] {3f, 2f}),
                manager.create(0.8f));
        assertThat(loss.perPair().toFloatArray()).containsExactly(new float[] {-1.1f, 0.6f}, within(1e-6f));
        assertThat(loss.chosenRewards().toFloatArray()).containsExactly(new float[] {-0.5f, -1f}, within(1e-6f));
        assertThat(loss.margins().toFloatArray()).containsExactly(new float[] {1.5f, -0.5f}, within(1e-6f));
    }

    @Test
    void rediWithAlphaZeroIsLengthNormalisedSft() {
        PairLoss loss = Redi.loss(
                logps(new float[] {-2f, -3f}, new float[] {4f, 3f}),
                logps(new float[] {-6f, -1f}, new float[] {3f, 2f}),
                manager.create(0f));
        assertThat(loss.mean().getFloat()).isCloseTo((0.5f + 1.0f) / 2, within(1e-6f));
    }

    @Test
    void unpairedRediAveragesPositivesAndNegativesSeparately() {
        // positives −2/4, −3/3 → mean of 0.5 and 1.0 = 0.75; the one negative −6/3 → 0.8 · (−2) = −1.6; −0.85.
        // dL/ds⁺ = −1/(P·|y⁺|) = −1/8, −1/6 (P = 2); dL/ds⁻ = α/(N·|y⁻|) = 0.8/3 (N = 1).
        Map<String, Seqs> in = Map.of("positives", CHOSEN, "negatives", new Seqs(new double[] {-6}, new double[] {3}));
        LossHarness.Result r = LossHarness.evaluate(Objective.REDI_UNPAIRED, Map.of("alpha", 0.8), in, Map.of());
        assertThat(r.loss()).isCloseTo(-0.85, within(TOL));
        assertThat(r.grads().get("positives")).containsExactly(new double[] {-1.0 / 8, -1.0 / 6}, within(TOL));
        assertThat(r.grads().get("negatives")).containsExactly(new double[] {0.8 / 3}, within(TOL));
    }

    @Test
    void unpairedRediWithOnePositiveAndOneNegativePerPromptEqualsPairedRedi() {
        LossHarness.Result paired = LossHarness.evaluate(Objective.REDI, Map.of("alpha", 0.8), pairs(), Map.of());
        LossHarness.Result unpaired = LossHarness.evaluate(
                Objective.REDI_UNPAIRED,
                Map.of("alpha", 0.8),
                Map.of("positives", CHOSEN, "negatives", REJECTED),
                Map.of());
        assertThat(unpaired.loss()).isCloseTo(paired.loss(), within(TOL));
    }

    @Test
    void dpoMatchesTheHandComputedLoss() {
        // pair 1: log-ratios +1 (−10 vs ref −11) and −1 (−20 vs ref −19), β 0.1: z = 0.2, ln(1 + e^−0.2) = 0.5981389;
        // pair 2: both log-ratios 0: ln 2 = 0.6931472. Mean 0.6456430.
        // dL/ds⁺ = −σ(−z)·β/P: −0.4501660·0.05 = −0.0225083 and −0.5·0.05 = −0.025; dL/ds⁻ the negatives.
        Map<String, Seqs> in = Map.of(
                "chosen",
                new Seqs(new double[] {-10, -5}, new double[] {4, 3}),
                "rejected",
                new Seqs(new double[] {-20, -8}, new double[] {3, 2}));
        Map<String, double[]> ref =
                Map.of("ref_chosen", new double[] {-11, -5}, "ref_rejected", new double[] {-19, -8});
        LossHarness.Result r = LossHarness.evaluate(Objective.DPO, Map.of("beta", 0.1), in, ref);
        assertThat(r.loss()).isCloseTo((0.5981388693 + 0.6931471806) / 2, within(1e-9));
        assertThat(r.grads().get("chosen")).containsExactly(new double[] {-0.0225083001, -0.025}, within(1e-9));
        assertThat(r.grads().get("rejected")).containsExactly(new double[] {0.0225083001, 0.025}, within(1e-9));
        // the paper-style check: β 0.1 with log-ratios +1/−1 alone is 0.598139
        PairLoss one = Dpo.loss(
                logps(new float[] {-10f}, new float[] {4f}),
                logps(new float[] {-20f}, new float[] {3f}),
                manager.create(new float[] {-11f}),
                manager.create(new float[] {-19f}),
                manager.create(0.1f));
        assertThat(one.mean().getFloat()).isCloseTo(0.598139f, within(1e-6f));
        assertThat(one.chosenRewards().getFloat(0)).isCloseTo(0.1f, within(1e-6f));
        assertThat(one.rejectedRewards().getFloat(0)).isCloseTo(-0.1f, within(1e-6f));
    }

    @Test
    void dpoStaysFiniteWhenTheSigmoidSaturates() {
        Map<String, Seqs> in = Map.of(
                "chosen",
                new Seqs(new double[] {-10, -10}, new double[] {4, 4}),
                "rejected",
                new Seqs(new double[] {-20, -20}, new double[] {3, 3}));
        // z = +1000 (loss ≈ 0, gradient ≈ 0) and z = −1000 (loss ≈ 1000, gradient ±β/P)
        Map<String, double[]> ref =
                Map.of("ref_chosen", new double[] {-510, 490}, "ref_rejected", new double[] {480, -520});
        LossHarness.Result r = LossHarness.evaluate(Objective.DPO, Map.of("beta", 1.0), in, ref);
        assertThat(r.loss()).isCloseTo(1000.0 / 2, within(1e-9));
        assertThat(r.grads().get("chosen")).containsExactly(new double[] {0, -0.5}, within(1e-9));
    }

    @Test
    void simpoMatchesTheHandComputedLoss() {
        // β 2, γ 1. pair 1: 2·(−0.5 − (−2)) − 1 = 2, ln(1 + e^−2) = 0.1269280; pair 2: 2·(−1 − (−0.5)) − 1 = −2,
        // ln(1 + e^2) = 2.1269280. Mean 1.1269280.
        // dL/ds⁺ = −σ(−z)·β/(|y⁺|·P): −0.1192029·0.25 = −0.0298007, −0.8807971/3 = −0.2935990;
        // dL/ds⁻ = +σ(−z)·β/(|y⁻|·P): 0.1192029/3 = 0.0397343, 0.8807971/2 = 0.4403985.
        LossHarness.Result r =
                LossHarness.evaluate(Objective.SIMPO, Map.of("beta", 2.0, "gamma", 1.0), pairs(), Map.of());
        assertThat(r.loss()).isCloseTo(1.1269280110, within(1e-9));
        assertThat(r.grads().get("chosen")).containsExactly(new double[] {-0.0298007305, -0.2935990260}, within(1e-9));
        assertThat(r.grads().get("rejected")).containsExactly(new double[] {0.0397343073, 0.4403985390}, within(1e-9));
    }

    @Test
    void sftIsTheTokenMeanOverTheWholeBatch() {
        // (2 + 3) / (4 + 3): long sequences weigh by their token count; dL/ds = −1/7 for every row
        LossHarness.Result r = LossHarness.evaluate(Objective.SFT, Map.of(), Map.of("logps", CHOSEN), Map.of());
        assertThat(r.loss()).isCloseTo(5.0 / 7, within(TOL));
        assertThat(r.grads().get("logps")).containsExactly(new double[] {-1.0 / 7, -1.0 / 7}, within(TOL));
    }

    @Test
    void sftWithAStepDenominatorLetsMicroBatchesAddUpToTheWholeBatch() {
        NDArray tokens = manager.create(7f);
        float first =
                Sft.loss(logps(new float[] {-2f}, new float[] {4f}), tokens).getFloat();
        float second =
                Sft.loss(logps(new float[] {-3f}, new float[] {3f}), tokens).getFloat();
        assertThat(first + second).isCloseTo(5f / 7f, within(1e-6f));
    }

    @Test
    void sftRefusesARowWithoutCompletionTokens() {
        assertThatThrownBy(() -> Sft.loss(logps(new float[] {-1f, 0f}, new float[] {3f, 0f})))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no completion tokens");
    }

    @Test
    void everyGradientMatchesFiniteDifferences() {
        Map<String, double[]> ref =
                Map.of("ref_chosen", new double[] {-1.5, -3.5}, "ref_rejected", new double[] {-5.0, -1.2});
        record Case(Objective objective, Map<String, Double> params, Map<String, Seqs> in) {}
        for (Case c : new Case[] {
            new Case(Objective.SFT, Map.of(), Map.of("logps", CHOSEN)),
            new Case(Objective.REDI, Map.of("alpha", 0.8), pairs()),
            new Case(
                    Objective.REDI_UNPAIRED,
                    Map.of("alpha", 0.8),
                    Map.of("positives", CHOSEN, "negatives", new Seqs(new double[] {-6, -1, -4}, new double[] {3, 2, 5
                    }))),
            new Case(Objective.DPO, Map.of("beta", 0.5), pairs()),
            new Case(Objective.SIMPO, Map.of("beta", 2.0, "gamma", 1.0), pairs())
        }) {
            LossHarness.Result analytic = LossHarness.evaluate(c.objective(), c.params(), c.in(), ref);
            Map<String, double[]> numeric = LossHarness.finiteDifferences(c.objective(), c.params(), c.in(), ref, 1e-5);
            for (String name : c.in().keySet()) {
                assertThat(analytic.grads().get(name))
                        .as(c.objective() + " " + name)
                        .containsExactly(numeric.get(name), within(1e-8));
            }
        }
    }

    @Test
    void objectivesParseFromTheirLabelsAndUnknownNamesListTheKnownOnes() {
        for (Objective o : Objective.values()) {
            assertThat(Objective.parse(o.label())).isEqualTo(o);
        }
        assertThatThrownBy(() -> Objective.parse("ipo"))
                .hasMessageContaining("redi-unpaired")
                .hasMessageContaining("simpo");
    }
}
