package redispark.train;

import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Watches for the collapse signature of preference training (Xu et al. 2025 §4.2–4.3, Figs. 3–6): the per-token
 * log-prob of the chosen completions falls away from where it was when the stage started, while the rejected one
 * falls too — the model unlearns its correct traces along with the incorrect ones.
 *
 * <p>The stage's starting point is the mean {@code logps_norm/chosen} and {@code logps_norm/rejected} over its first
 * {@code window} steps; every later step compares the mean over the most recent {@code window} steps with it. The
 * alarm fires when both have fallen by more than {@code logpDrop} nats per token, and holds until one of them is
 * back within half of that. Measuring from the start, not
 * window to window, catches a slow slide as well as a sudden one. The update size is reported alongside
 * ({@code update_norm / learning_rate}, so warm-up and decay do not look like spikes, over its median of the
 * preceding window): a spike above {@code updateSpike} often comes with a collapse but is not required for one.
 * Only the rejected log-prob falling, however far, is what REDI is meant to do and never fires the alarm.
 */
public final class CollapseAlarm {
    /** Per-step metric names the alarm writes (and {@link #events} reads back). */
    public static final String ALARM = "collapse/alarm";

    public static final String CHOSEN_DROP = "collapse/chosen_drop";
    public static final String REJECTED_DROP = "collapse/rejected_drop";
    public static final String UPDATE_RATIO = "collapse/update_ratio";

    /** What to do when the alarm fires. */
    public enum Action {
        /** Never evaluate. */
        OFF,
        /** Log a warning and go on. */
        WARN,
        /** Log a warning, stop the run and keep the last checkpoint written before the alarm. */
        STOP;

        public static Action parse(String label) {
            for (Action a : values()) {
                if (a.name().equalsIgnoreCase(label)) {
                    return a;
                }
            }
            throw new IllegalArgumentException("unknown collapse action '" + label + "' (expected off, warn or stop)");
        }
    }

    /**
     * @param action off, warn or stop
     * @param logpDrop nats per token by which both chosen and rejected must have fallen from the stage's start
     * @param updateSpike factor over its recent median at which {@code update_norm / learning_rate} counts as a spike
     *     (reported with an event, not needed for one)
     * @param window steps averaged for the starting point and for the current value
     */
    public record Settings(Action action, double logpDrop, double updateSpike, int window) implements Serializable {
        public Settings {
            if (window < 1) {
                throw new IllegalArgumentException("collapse window must be >= 1, got " + window);
            }
            if (!(logpDrop > 0) || !(updateSpike > 0)) {
                throw new IllegalArgumentException("collapse logp-drop and update-spike must be > 0");
            }
        }

        public static Settings defaults() {
            return new Settings(Action.WARN, 0.03, 2.0, 20);
        }
    }

    /**
     * One step's evaluation: how far chosen and rejected have fallen from the start (NaN until the starting point is
     * known), the update ratio (NaN without a preceding window), whether the alarm fires and whether this step
     * starts a new event (the first firing step after quiet ones).
     */
    public record Reading(
            double chosenDrop, double rejectedDrop, double updateRatio, boolean fired, boolean startsEvent) {
        public String describe(int step, Settings s) {
            return String.format(
                    Locale.ROOT,
                    "collapse alarm at step %d: per-token log-probs fell %.3f (chosen) and "
                            + "%.3f (rejected) nats/token from the start of the stage (threshold %.3f; means of %d steps)%s",
                    step,
                    chosenDrop,
                    rejectedDrop,
                    s.logpDrop(),
                    s.window(),
                    Double.isNaN(updateRatio)
                            ? ""
                            : String.format(
                                    Locale.ROOT,
                                    "; update_norm/lr at %.2fx its recent median%s",
                                    updateRatio,
                                    updateRatio > s.updateSpike() ? " (a spike)" : ""));
        }
    }

    /**
     * A span of consecutive steps during which the alarm fired, with the largest drops and update ratio in it.
     *
     * @param updateSpike whether the update ratio passed the spike threshold anywhere in the span
     */
    public record Event(
            int fromStep, int toStep, double chosenDrop, double rejectedDrop, double updateRatio, boolean updateSpike) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("from_step", fromStep);
            m.put("to_step", toStep);
            m.put("chosen_drop", chosenDrop);
            m.put("rejected_drop", rejectedDrop);
            m.put("update_ratio", Double.isNaN(updateRatio) ? null : updateRatio);
            m.put("update_spike", updateSpike);
            return m;
        }

        /** The inverse of {@link #toMap} (numbers as JSON reads them). */
        public static Event fromMap(Map<String, ?> m) {
            Object ratio = m.get("update_ratio");
            return new Event(
                    ((Number) m.get("from_step")).intValue(),
                    ((Number) m.get("to_step")).intValue(),
                    ((Number) m.get("chosen_drop")).doubleValue(),
                    ((Number) m.get("rejected_drop")).doubleValue(),
                    ratio == null ? Double.NaN : ((Number) ratio).doubleValue(),
                    Boolean.TRUE.equals(m.get("update_spike")));
        }

        public String describe() {
            return String.format(
                    Locale.ROOT,
                    "collapse alarm, steps %d–%d: chosen per-token log-prob down %.3f, "
                            + "rejected down %.3f nats/token from the start of the stage%s",
                    fromStep,
                    toStep,
                    chosenDrop,
                    rejectedDrop,
                    updateSpike ? ", with an update-norm spike" : ", no update-norm spike");
        }
    }

    private final Settings settings;
    private final double[] start = new double[2];
    private int startSteps;
    private final Deque<double[]> recent = new ArrayDeque<>();
    private boolean firing;

    public CollapseAlarm(Settings settings) {
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /** Records one step and compares the most recent window with the stage's starting point. */
    public Reading observe(double chosenNorm, double rejectedNorm, double updateNorm, double learningRate) {
        int w = settings.window();
        if (settings.action() == Action.OFF) {
            return new Reading(Double.NaN, Double.NaN, Double.NaN, false, false);
        }
        if (startSteps < w) {
            start[0] += chosenNorm / w;
            start[1] += rejectedNorm / w;
            startSteps++;
        }
        recent.addLast(new double[] {chosenNorm, rejectedNorm, updateNorm / Math.max(learningRate, 1e-30)});
        while (recent.size() > w + 1) {
            recent.removeFirst();
        }
        double updateRatio = Double.NaN;
        if (recent.size() == w + 1) {
            double[] before =
                    recent.stream().limit(w).mapToDouble(r -> r[2]).sorted().toArray();
            double median = w % 2 == 1 ? before[w / 2] : (before[w / 2 - 1] + before[w / 2]) / 2;
            updateRatio = recent.peekLast()[2] / Math.max(median, 1e-30);
        }
        if (startSteps < w) {
            return new Reading(Double.NaN, Double.NaN, updateRatio, false, false);
        }
        double chosenNow = recent.stream()
                .skip(recent.size() - w)
                .mapToDouble(r -> r[0])
                .average()
                .orElseThrow();
        double rejectedNow = recent.stream()
                .skip(recent.size() - w)
                .mapToDouble(r -> r[1])
                .average()
                .orElseThrow();
        double chosenDrop = start[0] - chosenNow;
        double rejectedDrop = start[1] - rejectedNow;
        // once fired, the alarm holds until a drop is back under half the threshold: a slide that hovers around the
        // threshold is one event, not a flicker of many
        double threshold = firing ? settings.logpDrop() / 2 : settings.logpDrop();
        boolean fired = chosenDrop > threshold && rejectedDrop > threshold;
        boolean startsEvent = fired && !firing;
        firing = fired;
        return new Reading(chosenDrop, rejectedDrop, updateRatio, fired, startsEvent);
    }

    /** Adds a reading to a step's metrics under the names {@link #events} reads. */
    public static void record(Reading r, Map<String, Double> metrics) {
        if (!Double.isNaN(r.chosenDrop())) {
            metrics.put(CHOSEN_DROP, r.chosenDrop());
            metrics.put(REJECTED_DROP, r.rejectedDrop());
        }
        if (!Double.isNaN(r.updateRatio())) {
            metrics.put(UPDATE_RATIO, r.updateRatio());
        }
        if (r.fired()) {
            metrics.put(ALARM, 1.0);
        }
    }

    /**
     * Runs the alarm over recorded step metrics (as {@code metrics/<objective>.jsonl} holds them, in step order) and
     * returns each step's metrics with the alarm's readings added: what training would have recorded under
     * {@code settings}. Steps without both log-probs are passed through unread, as training does.
     */
    public static List<Map<String, Double>> replay(Settings settings, List<Map<String, Double>> steps) {
        CollapseAlarm alarm = new CollapseAlarm(settings);
        List<Map<String, Double>> out = new ArrayList<>(steps.size());
        for (Map<String, Double> step : steps) {
            Map<String, Double> m = new LinkedHashMap<>(step);
            for (String name : List.of(ALARM, CHOSEN_DROP, REJECTED_DROP, UPDATE_RATIO)) {
                m.remove(name);
            }
            if (m.containsKey("logps_norm/chosen") && m.containsKey("logps_norm/rejected")) {
                record(
                        alarm.observe(
                                m.get("logps_norm/chosen"),
                                m.get("logps_norm/rejected"),
                                m.get("update_norm"),
                                m.get("learning_rate")),
                        m);
            }
            out.add(m);
        }
        return out;
    }

    /** The spans of consecutive alarmed steps in recorded step metrics (step numbers from {@code global_step}). */
    public static List<Event> events(List<Map<String, Double>> steps, Settings settings) {
        List<Event> events = new ArrayList<>();
        double[] worst = null; // chosen drop, rejected drop, update ratio, spike seen
        int from = -1;
        int last = -1;
        for (Map<String, Double> m : steps) {
            int step = m.get("global_step").intValue();
            if (m.getOrDefault(ALARM, 0.0) > 0) {
                if (worst == null) {
                    worst = new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, 0};
                    from = step;
                }
                worst[0] = Math.max(worst[0], m.get(CHOSEN_DROP));
                worst[1] = Math.max(worst[1], m.get(REJECTED_DROP));
                double ratio = m.getOrDefault(UPDATE_RATIO, Double.NaN);
                if (!Double.isNaN(ratio)) {
                    worst[2] = Double.isNaN(worst[2]) ? ratio : Math.max(worst[2], ratio);
                    worst[3] = ratio > settings.updateSpike() ? 1 : worst[3];
                }
                last = step;
            } else if (worst != null) {
                events.add(new Event(from, last, worst[0], worst[1], worst[2], worst[3] > 0));
                worst = null;
            }
        }
        if (worst != null) {
            events.add(new Event(from, last, worst[0], worst[1], worst[2], worst[3] > 0));
        }
        return events;
    }
}
