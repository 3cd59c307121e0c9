package redispark.teacher;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

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
 * <p>Which mistake a slip is follows {@code slipWeights}: at a computed line the kind is drawn among
 * those that apply there in proportion to their weights (a line whose applicable kinds all weigh 0
 * never slips); a planning decision of kind {@code k} slips with probability {@code p(d) * weight(k)}
 * (at most 1). {@link #DEFAULT_WEIGHTS} weighs the teacher's classic mistakes 1 and the student-like
 * ones ({@link Slip#NEAR_MISS}, {@link Slip#MISCOPY}) 0; {@link #STUDENT_LIKE_WEIGHTS} is the mix a
 * small student trained on this teacher actually makes.
 *
 * @param slipPerStep slip probability per step at difficulty 1, in [0, 1]
 * @param difficultyGrowth relative growth of the per-step slip probability per difficulty level,
 *     at least 0
 * @param truncationRate probability that a sample is truncated ({@code finishReason = "length"}),
 *     in [0, 1]
 * @param formatVarietyRate probability that the final answer uses a non-canonical but equivalent
 *     form, in [0, 1]
 * @param maxSlipPerStep cap on the per-step slip probability, in [0, 1]
 * @param slipWeights weight of each slip kind, finite and at least 0; a kind not listed weighs 0
 */
public record ErrorModel(
        double slipPerStep,
        double difficultyGrowth,
        double truncationRate,
        double formatVarietyRate,
        double maxSlipPerStep,
        Map<Slip, Double> slipWeights)
        implements java.io.Serializable {

    /** The teacher's classic mistakes, each weighing 1; no student-like ones. */
    public static final Map<Slip, Double> DEFAULT_WEIGHTS = weights(1, 1, 1, 1, 1, 1, 1, 0, 0);

    /**
     * What the embedded default's SFT student gets wrong on held-out arithmetic (503 wrong samples of
     * {@code redi experiment --preset paper-table2}): nearly all are a single line whose result is a
     * few units off or a neighbouring product (near misses, ~80 %) or an operand copied wrongly from
     * the problem (~20 %); carries, signs and dropped terms it barely makes.
     */
    public static final Map<Slip, Double> STUDENT_LIKE_WEIGHTS = weights(0.1, 0.1, 1, 0.1, 1, 1, 1, 6, 0.5);

    public ErrorModel(
            double slipPerStep,
            double difficultyGrowth,
            double truncationRate,
            double formatVarietyRate,
            double maxSlipPerStep) {
        this(slipPerStep, difficultyGrowth, truncationRate, formatVarietyRate, maxSlipPerStep, DEFAULT_WEIGHTS);
    }

    public ErrorModel {
        requireProbability("slipPerStep", slipPerStep);
        requireProbability("truncationRate", truncationRate);
        requireProbability("formatVarietyRate", formatVarietyRate);
        requireProbability("maxSlipPerStep", maxSlipPerStep);
        if (!(difficultyGrowth >= 0) || Double.isInfinite(difficultyGrowth)) {
            throw new IllegalArgumentException(
                    "difficultyGrowth must be a finite number >= 0, got " + difficultyGrowth);
        }
        Map<Slip, Double> copy = new EnumMap<>(Slip.class);
        for (Map.Entry<Slip, Double> e : slipWeights.entrySet()) {
            double w = e.getValue();
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException(
                        "slip weight of " + e.getKey() + " must be a finite number >= 0, got " + w);
            }
            copy.put(e.getKey(), w);
        }
        slipWeights = Collections.unmodifiableMap(copy);
    }

    /** The weight of {@code kind} (0 when not listed). */
    public double weight(Slip kind) {
        return slipWeights.getOrDefault(kind, 0.0);
    }

    public ErrorModel withSlipWeights(Map<Slip, Double> weights) {
        return new ErrorModel(
                slipPerStep, difficultyGrowth, truncationRate, formatVarietyRate, maxSlipPerStep, weights);
    }

    /** Weights in {@link Slip} declaration order. */
    private static Map<Slip, Double> weights(double... w) {
        Map<Slip, Double> m = new EnumMap<>(Slip.class);
        Slip[] kinds = Slip.values();
        for (int i = 0; i < kinds.length; i++) {
            m.put(kinds[i], w[i]);
        }
        return Collections.unmodifiableMap(m);
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
        return new ErrorModel(slipPerStep, difficultyGrowth, rate, formatVarietyRate, maxSlipPerStep, slipWeights);
    }

    public ErrorModel withFormatVarietyRate(double rate) {
        return new ErrorModel(slipPerStep, difficultyGrowth, truncationRate, rate, maxSlipPerStep, slipWeights);
    }

    public ErrorModel withSlips(double perStep, double growth) {
        return new ErrorModel(perStep, growth, truncationRate, formatVarietyRate, maxSlipPerStep, slipWeights);
    }

    private static void requireProbability(String name, double v) {
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1], got " + v);
        }
    }
}
