package redispark.jobs.experiment;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SortedMap;

/**
 * Whether SFT's held-out accuracy has stopped rising before stage 2 starts: a stage-2 method compared from a model
 * that is still improving mostly measures more training, not what the method adds.
 *
 * <p>The accuracies of the models saved in the last third of SFT (steps ≥ ⅔ of its total, the final model included)
 * are fitted with a least-squares line; {@code rise} is that line's change over the last third, in points of
 * pass@1. SFT counts as plateaued when the rise is at most {@code maxRise} points. A line rather than the range
 * because each checkpoint's accuracy has its own sampling noise.
 *
 * @param points (step, pass@1) of the last third, in step order
 * @param fromStep first step of the last third
 * @param steps SFT's total steps
 * @param rise the fitted change over the last third, in points (NaN with fewer than two points)
 */
record Plateau(List<double[]> points, int fromStep, int steps, double rise, double maxRise) {

    /**
     * @param curve step → pass@1 of every evaluated SFT model, the final one (at {@code steps}) included
     */
    static Plateau of(SortedMap<Integer, Double> curve, int steps, double maxRise) {
        int from = (int) Math.ceil(2.0 * steps / 3);
        List<double[]> points = new ArrayList<>();
        curve.tailMap(from).forEach((step, acc) -> points.add(new double[] {step, acc}));
        double rise = Double.NaN;
        if (points.size() >= 2) {
            double mx = points.stream().mapToDouble(p -> p[0]).average().orElseThrow();
            double my = points.stream().mapToDouble(p -> p[1]).average().orElseThrow();
            double sxy =
                    points.stream().mapToDouble(p -> (p[0] - mx) * (p[1] - my)).sum();
            double sxx =
                    points.stream().mapToDouble(p -> (p[0] - mx) * (p[0] - mx)).sum();
            rise = 100 * sxy / sxx * (steps - from);
        }
        return new Plateau(points, from, steps, rise, maxRise);
    }

    /**
     * The fitted line's pass@1 (a fraction) at {@code step}: through the mean of the last third's points with the
     * slope of {@link #rise()}. Only with a rise (two or more points).
     */
    double fittedAt(double step) {
        double mx = points.stream().mapToDouble(p -> p[0]).average().orElseThrow();
        double my = points.stream().mapToDouble(p -> p[1]).average().orElseThrow();
        return my + rise / 100 / (steps - fromStep) * (step - mx);
    }

    /** Whether there were enough checkpoints to tell (two in the last third) and the rise is within bounds. */
    boolean flat() {
        return !Double.isNaN(rise) && rise <= maxRise;
    }

    String describe() {
        StringBuilder s = new StringBuilder(
                String.format(Locale.ROOT, "SFT accuracy over its last third (steps %d–%d):", fromStep, steps));
        points.forEach(p -> s.append(String.format(Locale.ROOT, " %d: %.1f %%", (int) p[0], 100 * p[1])));
        if (Double.isNaN(rise)) {
            return s.append(String.format(
                            Locale.ROOT,
                            " — fewer than two checkpoints in it, so it cannot tell: " + "set eval.every to at most %d",
                            Math.max(1, (steps - fromStep) / 2)))
                    .toString();
        }
        return s.append(String.format(
                        Locale.ROOT,
                        "; fitted rise %+.1f points (limit %.1f): %s",
                        rise,
                        maxRise,
                        flat() ? "plateaued" : "NOT plateaued — still improving, train SFT longer (train.sft.epochs)"))
                .toString();
    }
}
