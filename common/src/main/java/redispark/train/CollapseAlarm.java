package redispark.train;

import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Locale;
import java.util.Optional;

/**
 * Watches for the collapse signature of preference training (Xu et al. 2025 §4.2–4.3, Figs. 3–6): the per-token
 * log-probs of chosen AND rejected completions fall together, fast, while the size of the parameter update surges.
 *
 * <p>Over two consecutive windows of {@code window} steps it compares the mean {@code logps_norm/chosen} and
 * {@code logps_norm/rejected}: the drop per step is {@code (mean(older) − mean(recent)) / window}. The update is
 * measured per unit learning rate ({@code update_norm / learning_rate}, so warm-up and decay do not look like
 * spikes) and compared with its median over the older window. The alarm fires when both drops exceed
 * {@code logpDrop} and the update ratio exceeds {@code updateSpike}. A slow, steady decline of both log-probs (what
 * the paper sees with α = 0.8) does not fire it.
 */
public final class CollapseAlarm {

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
     * @param logpDrop nats per token per step that both chosen and rejected must fall by
     * @param updateSpike factor by which {@code update_norm / learning_rate} must exceed its recent median
     * @param window steps per window (the alarm needs two windows of history)
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
            return new Settings(Action.WARN, 0.05, 2.0, 5);
        }
    }

    /** One evaluation: the measured drops and ratio (NaN until there is enough history) and the verdict. */
    public record Reading(double chosenDrop, double rejectedDrop, double updateRatio, boolean fired) {
        public String describe(int step, Settings s) {
            return String.format(Locale.ROOT, "collapse alarm at step %d: per-token log-probs fell %.4f (chosen) and "
                    + "%.4f (rejected) nats/step over the last %d steps (threshold %.4f) while update_norm/lr rose "
                    + "%.2fx over its median (threshold %.2fx)", step, chosenDrop, rejectedDrop, s.window(),
                    s.logpDrop(), updateRatio, s.updateSpike());
        }
    }

    private final Settings settings;
    private final Deque<double[]> history = new ArrayDeque<>();

    public CollapseAlarm(Settings settings) {
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /** Records one step and evaluates the two most recent windows. */
    public Reading observe(double chosenNorm, double rejectedNorm, double updateNorm, double learningRate) {
        int w = settings.window();
        history.addLast(new double[] {chosenNorm, rejectedNorm, updateNorm / Math.max(learningRate, 1e-30)});
        while (history.size() > 2 * w) {
            history.removeFirst();
        }
        if (history.size() < 2 * w || settings.action() == Action.OFF) {
            return new Reading(Double.NaN, Double.NaN, Double.NaN, false);
        }
        double[][] h = history.toArray(new double[0][]);
        double chosenDrop = (mean(h, 0, 0, w) - mean(h, 0, w, 2 * w)) / w;
        double rejectedDrop = (mean(h, 1, 0, w) - mean(h, 1, w, 2 * w)) / w;
        double[] older = new double[w];
        for (int i = 0; i < w; i++) {
            older[i] = h[i][2];
        }
        Arrays.sort(older);
        double median = w % 2 == 1 ? older[w / 2] : (older[w / 2 - 1] + older[w / 2]) / 2;
        double ratio = h[2 * w - 1][2] / Math.max(median, 1e-30);
        boolean fired = chosenDrop > settings.logpDrop() && rejectedDrop > settings.logpDrop()
                && ratio > settings.updateSpike();
        return new Reading(chosenDrop, rejectedDrop, ratio, fired);
    }

    private static double mean(double[][] h, int column, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += h[i][column];
        }
        return s / (to - from);
    }
}
