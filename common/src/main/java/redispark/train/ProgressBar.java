package redispark.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * A console progress bar for local runs: {@code [#######.............]  35/100 loss 0.5321 lr 1.2e-04 0.41 s/step
 * ETA 0:27}. On a terminal it redraws one line; otherwise (logs, CI) it prints a line every {@code every} steps and
 * at the last step.
 */
public final class ProgressBar implements TrainLoop.StepListener {
    private static final int WIDTH = 24;

    private final PrintStream out;
    private final int totalSteps;
    private final boolean redraw;
    private final int every;
    private final long started = System.nanoTime();
    private int firstStep = -1;

    public ProgressBar(PrintStream out, int totalSteps, boolean redraw, int every) {
        this.out = out;
        this.totalSteps = totalSteps;
        this.redraw = redraw;
        this.every = Math.max(1, every);
    }

    /** On stdout; redraws when stdout is a terminal, else a line about every 5 % of the run. */
    public static ProgressBar console(int totalSteps) {
        return new ProgressBar(System.out, totalSteps, System.console() != null, Math.max(1, totalSteps / 20));
    }

    @Override
    public void onStep(Map<String, Double> m) {
        int step = m.get("global_step").intValue();
        if (firstStep < 0) {
            firstStep = step - 1;
        }
        boolean last = step >= totalSteps;
        if (!redraw && step % every != 0 && !last && step != firstStep + 1) {
            return;
        }
        double secondsPerStep = (System.nanoTime() - started) / 1e9 / Math.max(1, step - firstStep);
        String line = line(step, totalSteps, m, secondsPerStep);
        if (redraw) {
            out.print("\r" + line + (last ? "\n" : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** One rendered line (pure, for tests). */
    static String line(int step, int total, Map<String, Double> m, double secondsPerStep) {
        int filled = total <= 0 ? 0 : (int) Math.round((double) WIDTH * Math.min(step, total) / total);
        StringBuilder s = new StringBuilder("[train] [");
        s.append("#".repeat(filled)).append(".".repeat(WIDTH - filled)).append("] ");
        s.append(String.format(Locale.ROOT, "%" + String.valueOf(total).length() + "d/%d", step, total));
        s.append(String.format(Locale.ROOT, " loss %.4f", m.getOrDefault("loss", Double.NaN)));
        if (m.containsKey("rewards/margins")) {
            s.append(String.format(Locale.ROOT, " margin %.4f", m.get("rewards/margins")));
        }
        s.append(String.format(
                Locale.ROOT, " lr %.1e %.2f s/step", m.getOrDefault("learning_rate", 0.0), secondsPerStep));
        long eta = Math.round(secondsPerStep * Math.max(0, total - step));
        s.append(String.format(Locale.ROOT, " ETA %d:%02d", eta / 60, eta % 60));
        return s.toString();
    }
}
