package redispark.jobs.experiment;

import java.util.Locale;

/**
 * One stage-2 training run of an experiment: a method at a learning-rate factor and seed, trained to the end
 * ({@code stepLimit} 0) or stopped after {@code stepLimit} steps of the same schedule (a point of the accuracy
 * curve: same seed and schedule, so it is the full run as it was at that step).
 */
record Arm(Method method, double lrFactor, long seed, int stepLimit) {

    /** The run's name: its checkpoint is {@code checkpoints/<name>}, its metrics {@code metrics/<name>}. */
    String name() {
        String base = String.format(Locale.ROOT, "x-%s-lr%s-s%d", method.label(), factorLabel(lrFactor), seed);
        return stepLimit == 0 ? base : base + "@" + stepLimit;
    }

    Arm atStep(int step) {
        return new Arm(method, lrFactor, seed, step);
    }

    /** {@code 4.0 → "4"}, {@code 0.5 → "0.5"}: short, and a valid path element. */
    static String factorLabel(double factor) {
        return factor == Math.rint(factor) ? Long.toString((long) factor) : Double.toString(factor);
    }
}
