package redispark.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CollapseAlarmTest {
    private static final CollapseAlarm.Settings SETTINGS =
            new CollapseAlarm.Settings(CollapseAlarm.Action.WARN, 0.05, 2.0, 3);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<CollapseAlarm.Reading> feed(
            CollapseAlarm alarm, double[] chosen, double[] rejected, double[] update) {
        List<CollapseAlarm.Reading> out = new ArrayList<>();
        for (int i = 0; i < chosen.length; i++) {
            out.add(alarm.observe(chosen[i], rejected[i], update[i], 1e-3));
        }
        return out;
    }

    private static CollapseAlarm.Reading last(List<CollapseAlarm.Reading> readings) {
        return readings.get(readings.size() - 1);
    }

    private static double[] constant(int n, double v) {
        double[] out = new double[n];
        java.util.Arrays.fill(out, v);
        return out;
    }

    /** Step metrics as training writes them, one JSON object per line. */
    private static List<Map<String, Double>> metrics(String resource) {
        List<Map<String, Double>> out = new ArrayList<>();
        try (InputStream in = CollapseAlarmTest.class.getResourceAsStream(resource)) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    out.add(JSON.readValue(line, new TypeReference<Map<String, Double>>() {}));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    @Test
    void firesWhenChosenAndRejectedFallFromWhereTheStageStarted() {
        // start: chosen −0.50, rejected −1.00 (first 3 steps); the last 3 steps are 0.3 lower
        List<CollapseAlarm.Reading> r = feed(
                new CollapseAlarm(SETTINGS),
                new double[] {-0.5, -0.5, -0.5, -0.8, -0.8, -0.8},
                new double[] {-1.0, -1.0, -1.0, -1.3, -1.3, -1.3},
                constant(6, 1e-3));
        assertThat(last(r).fired()).isTrue();
        assertThat(last(r).chosenDrop()).isCloseTo(0.3, within(1e-12));
        assertThat(last(r).rejectedDrop()).isCloseTo(0.3, within(1e-12));
        assertThat(last(r).updateRatio()).as("no spike needed").isCloseTo(1.0, within(1e-9));
        assertThat(r.stream().filter(CollapseAlarm.Reading::startsEvent).count())
                .isEqualTo(1);
        assertThat(last(r).describe(6, SETTINGS)).contains("step 6", "0.300 (chosen)", "from the start");
    }

    @Test
    void aSlowSlideIsCaughtOnceItAddsUpEvenThoughNoTwoWindowsDifferMuch() {
        // 0.01 per step: window to window it looks harmless; 12 steps in, chosen is 0.09 below its start
        int n = 14;
        double[] chosen = new double[n];
        double[] rejected = new double[n];
        for (int i = 0; i < n; i++) {
            chosen[i] = -0.5 - 0.01 * i;
            rejected[i] = -1.0 - 0.02 * i;
        }
        List<CollapseAlarm.Reading> r = feed(new CollapseAlarm(SETTINGS), chosen, rejected, constant(n, 1e-3));
        assertThat(r.get(6).fired()).as("chosen 0.04 down at step 7").isFalse();
        assertThat(last(r).fired()).isTrue();
        assertThat(last(r).chosenDrop()).isCloseTo(0.11, within(1e-9));
    }

    @Test
    void onlyTheRejectedFallingIsWhatTrainingWants() {
        List<CollapseAlarm.Reading> r = feed(
                new CollapseAlarm(SETTINGS),
                constant(6, -0.5),
                new double[] {-1.0, -1.0, -1.0, -4.0, -5.0, -6.0},
                new double[] {1e-3, 1e-3, 1e-3, 5e-3, 5e-3, 5e-3});
        assertThat(r).noneMatch(CollapseAlarm.Reading::fired);
    }

    @Test
    void chosenFallingWhileRejectedRisesIsNotTheSignature() {
        List<CollapseAlarm.Reading> r = feed(
                new CollapseAlarm(SETTINGS),
                new double[] {-0.5, -0.5, -0.5, -0.8, -0.8, -0.8},
                new double[] {-1.0, -1.0, -1.0, -0.7, -0.7, -0.7},
                constant(6, 1e-3));
        assertThat(r).noneMatch(CollapseAlarm.Reading::fired);
    }

    @Test
    void anEventHoldsUntilTheDropsAreBackUnderHalfTheThresholdAndTheUpdateSpikeIsNoted() {
        // window 1: each step against the first; the drop hovers around the threshold, then recovers
        CollapseAlarm.Settings one = new CollapseAlarm.Settings(CollapseAlarm.Action.WARN, 0.05, 2.0, 1);
        double[] chosen = {-0.50, -0.56, -0.54, -0.57, -0.52, -0.50};
        double[] rejected = {-1.0, -1.2, -1.2, -1.2, -1.2, -1.2};
        double[] update = {1e-3, 3e-3, 1e-3, 1e-3, 1e-3, 1e-3};
        List<CollapseAlarm.Reading> r = feed(new CollapseAlarm(one), chosen, rejected, update);
        assertThat(r.stream().map(CollapseAlarm.Reading::fired).toList())
                .containsExactly(false, true, true, true, false, false);
        List<Map<String, Double>> steps = new ArrayList<>();
        for (int i = 0; i < r.size(); i++) {
            Map<String, Double> m = new java.util.LinkedHashMap<>(Map.of("global_step", (double) i + 1));
            CollapseAlarm.record(r.get(i), m);
            steps.add(m);
        }
        List<CollapseAlarm.Event> events = CollapseAlarm.events(steps, one);
        assertThat(events).hasSize(1);
        CollapseAlarm.Event e = events.get(0);
        assertThat(e.fromStep()).isEqualTo(2);
        assertThat(e.toStep()).isEqualTo(4);
        assertThat(e.chosenDrop()).isCloseTo(0.07, within(1e-9));
        assertThat(e.updateSpike()).as("3x the preceding step at step 2").isTrue();
        assertThat(e.toMap()).containsEntry("from_step", 2).containsEntry("update_spike", true);
        assertThat(e.describe()).contains("steps 2–4", "with an update-norm spike");
    }

    @Test
    void warmUpIsNotASpikeBecauseTheUpdateIsMeasuredPerUnitLearningRate() {
        CollapseAlarm alarm = new CollapseAlarm(SETTINGS);
        CollapseAlarm.Reading r = null;
        for (int i = 1; i <= 6; i++) {
            double lr = 1e-3 * i; // linear warm-up: update norm grows with the LR
            r = alarm.observe(-0.5, -1.0, 0.5 * lr, lr);
        }
        assertThat(r.updateRatio()).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void needsAStartingWindowAndIsSilentWhenOff() {
        CollapseAlarm alarm = new CollapseAlarm(SETTINGS);
        assertThat(alarm.observe(-0.5, -1, 1, 1).chosenDrop()).isNaN();
        CollapseAlarm off = new CollapseAlarm(new CollapseAlarm.Settings(CollapseAlarm.Action.OFF, 0.05, 2.0, 1));
        off.observe(-0.5, -1.0, 1, 1);
        assertThat(off.observe(-5, -5, 100, 1).fired()).isFalse();
    }

    @Test
    void firesOnTheEmbeddedRediRunThatUnlearnedSft() {
        // metrics/redi of `redi pipeline` when the tiny REDI recipe ran at LR 2e-4: held-out pass@1 fell from SFT's
        // 0.210 to 0.017 while chosen per-token log-probs slid from about −0.12 to −0.55
        List<Map<String, Double>> recorded = metrics("/train/collapsing-redi-metrics.jsonl");
        CollapseAlarm.Settings defaults = CollapseAlarm.Settings.defaults();
        List<CollapseAlarm.Event> events = CollapseAlarm.events(CollapseAlarm.replay(defaults, recorded), defaults);
        assertThat(events).isNotEmpty();
        CollapseAlarm.Event worst = events.stream()
                .max(java.util.Comparator.comparingDouble(CollapseAlarm.Event::chosenDrop))
                .orElseThrow();
        assertThat(worst.chosenDrop()).isGreaterThan(0.3);
        assertThat(worst.rejectedDrop()).isGreaterThan(worst.chosenDrop());
        assertThat(events.get(events.size() - 1).toStep())
                .as("still collapsed at the end")
                .isEqualTo(recorded.size());
    }

    @Test
    void staysQuietOnTheEmbeddedRediRunAtTheDefaultRate() {
        // metrics/redi of `redi pipeline` at the tiny recipe's 6e-6: REDI ended at 0.141 against SFT's 0.147 ± 0.016;
        // the rejected per-token log-prob still fell 0.1 nats while the chosen one stayed within 0.011 of its start
        List<Map<String, Double>> recorded = metrics("/train/stable-redi-metrics.jsonl");
        CollapseAlarm.Settings defaults = CollapseAlarm.Settings.defaults();
        List<Map<String, Double>> replayed = CollapseAlarm.replay(defaults, recorded);
        assertThat(CollapseAlarm.events(replayed, defaults)).isEmpty();
        double largestDrop = replayed.stream()
                .mapToDouble(m -> m.getOrDefault(CollapseAlarm.CHOSEN_DROP, 0.0))
                .max()
                .orElseThrow();
        assertThat(largestDrop).isLessThan(defaults.logpDrop() / 2);
        Map<String, Double> last = replayed.get(replayed.size() - 1);
        assertThat(last.get(CollapseAlarm.REJECTED_DROP))
                .as("the negatives are still pushed down")
                .isGreaterThan(0.05);
    }
}
