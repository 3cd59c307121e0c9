package redispark.teacher;

/**
 * How often and how the {@link BuiltInTeacher} goes wrong.
 *
 * <p>Every computed line of a trace (and each planning decision such as which terms to add or which
 * index to use) is one step. At difficulty {@code d} each step slips independently with probability
 * {@link #slipProbability(int) p(d) = min(maxSlipPerStep, slipPerStep * (1 + difficultyGrowth * (d
 * - 1)))}. A slip changes that step's result and the wrong value is carried into every later step,
 * so the final answer is wrong. Independently, a sample is cut off mid-thought with probability
 * {@code truncationRate}, and a complete sample writes its final answer in a harmless non-canonical
 * form with probability {@code formatVarietyRate}.
 *
 * @param slipPerStep slip probability per step at difficulty 1, in [0, 1]
 * @param difficultyGrowth relative growth of the per-step slip probability per difficulty level,
 *     at least 0
 * @param truncationRate probability that a sample is truncated ({@code finishReason = "length"}),
 *     in [0, 1]
 * @param formatVarietyRate probability that the final answer uses a non-canonical but equivalent
 *     form, in [0, 1]
 * @param maxSlipPerStep cap on the per-step slip probability, in [0, 1]
 */
public record ErrorModel(
    double slipPerStep,
    double difficultyGrowth,
    double truncationRate,
    double formatVarietyRate,
    double maxSlipPerStep) implements java.io.Serializable {

  public ErrorModel {
    requireProbability("slipPerStep", slipPerStep);
    requireProbability("truncationRate", truncationRate);
    requireProbability("formatVarietyRate", formatVarietyRate);
    requireProbability("maxSlipPerStep", maxSlipPerStep);
    if (!(difficultyGrowth >= 0) || Double.isInfinite(difficultyGrowth)) {
      throw new IllegalArgumentException(
          "difficultyGrowth must be a finite number >= 0, got " + difficultyGrowth);
    }
  }

  /**
   * Slips 10 % per step at difficulty 1, growing by 45 % of that per level (28 % at difficulty 5),
   * truncates 5 %, varies the answer format 30 %. With {@link ProblemSpec#defaults()} about 47 % of
   * samples are intended correct: about 76 % at difficulty 1 and 19 % at difficulty 5.
   */
  public static ErrorModel defaults() {
    return new ErrorModel(0.10, 0.45, 0.05, 0.30, 0.5);
  }

  /** A teacher that never slips, never truncates and always writes the canonical answer. */
  public static ErrorModel perfect() {
    return new ErrorModel(0, 0, 0, 0, 0);
  }

  /** The per-step slip probability at {@code difficulty}. */
  public double slipProbability(int difficulty) {
    double p = slipPerStep * (1 + difficultyGrowth * (Math.max(1, difficulty) - 1));
    return Math.min(maxSlipPerStep, p);
  }

  public ErrorModel withTruncationRate(double rate) {
    return new ErrorModel(slipPerStep, difficultyGrowth, rate, formatVarietyRate, maxSlipPerStep);
  }

  public ErrorModel withFormatVarietyRate(double rate) {
    return new ErrorModel(slipPerStep, difficultyGrowth, truncationRate, rate, maxSlipPerStep);
  }

  public ErrorModel withSlips(double perStep, double growth) {
    return new ErrorModel(perStep, growth, truncationRate, formatVarietyRate, maxSlipPerStep);
  }

  private static void requireProbability(String name, double v) {
    if (!(v >= 0 && v <= 1)) {
      throw new IllegalArgumentException(name + " must be in [0, 1], got " + v);
    }
  }
}
