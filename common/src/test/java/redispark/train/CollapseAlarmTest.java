package redispark.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CollapseAlarmTest {
    private static final CollapseAlarm.Settings SETTINGS = new CollapseAlarm.Settings(CollapseAlarm.Action.WARN,
            0.05, 2.0, 3);

    private static CollapseAlarm.Reading feed(CollapseAlarm alarm, double[] chosen, double[] rejected,
            double[] update) {
        CollapseAlarm.Reading last = null;
        for (int i = 0; i < chosen.length; i++) {
            last = alarm.observe(chosen[i], rejected[i], update[i], 1e-3);
        }
        return last;
    }

    @Test
    void firesWhenChosenAndRejectedFallTogetherAndTheUpdateSurges() {
        // older window: chosen −0.50, rejected −1.00; recent window 0.3 lower (0.1/step > 0.05); update 1 → 3
        CollapseAlarm.Reading r = feed(new CollapseAlarm(SETTINGS),
                new double[] {-0.5, -0.5, -0.5, -0.8, -0.8, -0.8},
                new double[] {-1.0, -1.0, -1.0, -1.3, -1.3, -1.3},
                new double[] {1e-3, 1e-3, 1e-3, 2e-3, 2e-3, 3e-3});
        assertThat(r.fired()).isTrue();
        assertThat(r.chosenDrop()).isCloseTo(0.1, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(r.updateRatio()).isCloseTo(3.0, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(r.describe(6, SETTINGS)).contains("step 6", "chosen", "rejected");
    }

    @Test
    void aSlowSteadyDeclineIsNotACollapse() {
        // the paper's α 0.8 picture: both fall, 0.01/step, update norm steady
        CollapseAlarm.Reading r = feed(new CollapseAlarm(SETTINGS),
                new double[] {-0.50, -0.51, -0.52, -0.53, -0.54, -0.55},
                new double[] {-1.00, -1.01, -1.02, -1.03, -1.04, -1.05},
                new double[] {1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3});
        assertThat(r.fired()).isFalse();
    }

    @Test
    void onlyTheRejectedFallingIsWhatTrainingWants() {
        CollapseAlarm.Reading r = feed(new CollapseAlarm(SETTINGS),
                new double[] {-0.5, -0.5, -0.5, -0.5, -0.5, -0.5},
                new double[] {-1.0, -1.0, -1.0, -2.0, -2.0, -2.0},
                new double[] {1e-3, 1e-3, 1e-3, 5e-3, 5e-3, 5e-3});
        assertThat(r.fired()).isFalse();
    }

    @Test
    void aSharpDropWithoutAnUpdateSpikeDoesNotFire() {
        CollapseAlarm.Reading r = feed(new CollapseAlarm(SETTINGS),
                new double[] {-0.5, -0.5, -0.5, -0.8, -0.8, -0.8},
                new double[] {-1.0, -1.0, -1.0, -1.3, -1.3, -1.3},
                new double[] {1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3});
        assertThat(r.fired()).isFalse();
    }

    @Test
    void warmUpIsNotASpikeBecauseTheUpdateIsMeasuredPerUnitLearningRate() {
        CollapseAlarm alarm = new CollapseAlarm(SETTINGS);
        CollapseAlarm.Reading r = null;
        for (int i = 1; i <= 6; i++) {
            double lr = 1e-3 * i; // linear warm-up: update norm grows with the LR
            r = alarm.observe(-0.5 - 0.1 * i, -1.0 - 0.1 * i, 0.5 * lr, lr);
        }
        assertThat(r.chosenDrop()).isGreaterThan(0.05);
        assertThat(r.fired()).isFalse();
    }

    @Test
    void needsTwoWindowsOfHistoryAndIsSilentWhenOff() {
        CollapseAlarm alarm = new CollapseAlarm(SETTINGS);
        assertThat(alarm.observe(-0.5, -1, 1, 1).chosenDrop()).isNaN();
        CollapseAlarm off = new CollapseAlarm(new CollapseAlarm.Settings(CollapseAlarm.Action.OFF, 0.05, 2.0, 1));
        off.observe(-0.5, -1.0, 1, 1);
        assertThat(off.observe(-5, -5, 100, 1).fired()).isFalse();
    }
}
