package redispark.train;

/** Linear warm-up from 0 to the peak, then linear decay to 0 at the last step: a pure function of the step. */
public record LrSchedule(double peak, int warmupSteps, int totalSteps) {

    public static LrSchedule of(double peak, double warmupRatio, int totalSteps) {
        return new LrSchedule(peak, (int) Math.ceil(warmupRatio * totalSteps), totalSteps);
    }

    /** Learning rate used by optimizer step {@code step} (0-based). */
    public double at(int step) {
        if (step < warmupSteps) {
            return peak * (step + 1) / warmupSteps;
        }
        int decaySteps = Math.max(1, totalSteps - warmupSteps);
        return peak * Math.max(0.0, (double) (totalSteps - step) / decaySteps);
    }
}
