package redispark.jobs.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import redispark.jobs.config.RediConfig;

class PlateauTest {

    private static TreeMap<Integer, Double> curve(int[] steps, double[] acc) {
        TreeMap<Integer, Double> out = new TreeMap<>();
        for (int i = 0; i < steps.length; i++) {
            out.put(steps[i], acc[i]);
        }
        return out;
    }

    @Test
    void aCurveStillClimbingOverItsLastThirdIsNotAPlateau() {
        // 18.5 % and rising 1.5 points per 500 steps over the last third (steps 2000-3000)
        Plateau p = Plateau.of(
                curve(new int[] {500, 1000, 1500, 2000, 2500, 3000}, new double[] {0.02, 0.08, 0.13, 0.155, 0.17, 0.185
                }),
                3000,
                1.0);
        assertThat(p.fromStep()).isEqualTo(2000);
        assertThat(p.points()).hasSize(3);
        assertThat(p.rise()).isCloseTo(3.0, within(1e-9));
        assertThat(p.flat()).isFalse();
        assertThat(p.describe()).contains("NOT plateaued", "+3.0 points", "3000: 18.5 %");
    }

    @Test
    void noiseAroundALevelIsFlatEvenWhenThePointsSpreadMoreThanAPoint() {
        Plateau p = Plateau.of(
                curve(new int[] {1000, 2000, 2500, 3000}, new double[] {0.10, 0.30, 0.315, 0.30}), 3000, 1.0);
        assertThat(p.rise()).isCloseTo(0.0, within(1e-9));
        assertThat(p.flat()).isTrue();
        assertThat(p.describe()).contains("plateaued").doesNotContain("NOT");
    }

    @Test
    void withOneCheckpointInTheLastThirdItCannotTellAndSaysWhatToSet() {
        Plateau p = Plateau.of(curve(new int[] {500, 800, 1500}, new double[] {0.1, 0.2, 0.25}), 1500, 1.0);
        assertThat(p.rise()).isNaN();
        assertThat(p.flat()).isFalse();
        assertThat(p.describe()).contains("set eval.every to at most 250");
    }

    private static ExperimentStage.Result result(Method m, double factor, double pass1) {
        return new ExperimentStage.Result(
                new Arm(m, factor, 1, 0),
                10,
                new ExperimentStage.Score(Map.of("synthetic", new double[] {pass1, 0.01}), Map.of()),
                Map.of(),
                List.of());
    }

    @Test
    void bestLrRunsTheLaterSeedsOnlyAtEachMethodsBestFactorOnTheFirstSeed() {
        ExperimentStage.Plan plan = ExperimentStage.Plan.of(RediConfig.load(
                null,
                List.of(
                        "experiment.lr-factors=[1.0,3.0,10.0]",
                        "experiment.seeds=[1,2,3]",
                        "experiment.seeds-at=best-lr")));
        List<ExperimentStage.Result> first = List.of(
                result(Method.REDI, 1.0, 0.20),
                result(Method.REDI, 3.0, 0.22),
                result(Method.REDI, 10.0, 0.05),
                result(Method.DPO, 1.0, 0.19),
                result(Method.DPO, 3.0, 0.19));
        assertThat(plan.laterFactors(Method.REDI, first)).containsExactly(3.0);
        assertThat(plan.laterFactors(Method.DPO, first))
                .as("a tie goes to the first listed")
                .containsExactly(1.0);
        // 5 methods x 3 factors on seed 1, then 5 methods x 1 factor x 2 seeds
        assertThat(plan.runs()).isEqualTo(25);
        ExperimentStage.Plan grid = ExperimentStage.Plan.of(
                RediConfig.load(null, List.of("experiment.lr-factors=[1.0,3.0,10.0]", "experiment.seeds=[1,2,3]")));
        assertThat(grid.laterFactors(Method.REDI, first)).containsExactly(1.0, 3.0, 10.0);
        assertThat(grid.runs()).isEqualTo(45);
    }
}
