package redispark.teacher;

import java.util.EnumSet;
import java.util.List;

/**
 * What {@link SyntheticProblems} generates.
 *
 * <p>Problem {@code i} gets family {@code families.get(i % families.size())}, a step count drawn
 * uniformly from {@code [minSteps, min(maxSteps, family.maxSteps())]} and a digit count drawn
 * uniformly from {@code [1, maxDigits]}; its difficulty is {@code steps + digits - 1}.
 *
 * @param families the families to cycle through (non-empty, no duplicates)
 * @param count how many problems {@link SyntheticProblems#generate(ProblemSpec)} returns
 * @param minSteps smallest number of reasoning steps, at least 1
 * @param maxSteps largest number of reasoning steps, at least {@code minSteps}, at most 6
 * @param maxDigits largest operand size in digits, 1..4
 * @param seed the seed every problem is derived from
 */
public record ProblemSpec(List<Family> families, int count, int minSteps, int maxSteps, int maxDigits, long seed)
        implements java.io.Serializable {

    /** Largest accepted {@code maxSteps}. */
    public static final int MAX_STEPS = 6;
    /** Largest accepted {@code maxDigits}. */
    public static final int MAX_DIGITS = 4;

    public ProblemSpec {
        if (families == null || families.isEmpty()) {
            throw new IllegalArgumentException("families must name at least one Family");
        }
        families = List.copyOf(families);
        if (EnumSet.copyOf(families).size() != families.size()) {
            throw new IllegalArgumentException("families must not repeat: " + families);
        }
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
        if (minSteps < 1) {
            throw new IllegalArgumentException("minSteps must be >= 1, got " + minSteps);
        }
        if (maxSteps < minSteps || maxSteps > MAX_STEPS) {
            throw new IllegalArgumentException(
                    "maxSteps must be in [minSteps=" + minSteps + ", " + MAX_STEPS + "], got " + maxSteps);
        }
        if (maxDigits < 1 || maxDigits > MAX_DIGITS) {
            throw new IllegalArgumentException("maxDigits must be in [1, " + MAX_DIGITS + "], got " + maxDigits);
        }
    }

    /** All families, 2,000 problems, 1..3 steps, 1..3 digits (difficulty 1..5), seed 42. */
    public static ProblemSpec defaults() {
        return new ProblemSpec(List.of(Family.values()), 2000, 1, 3, 3, 42L);
    }

    public ProblemSpec withSeed(long newSeed) {
        return new ProblemSpec(families, count, minSteps, maxSteps, maxDigits, newSeed);
    }

    public ProblemSpec withCount(int newCount) {
        return new ProblemSpec(families, newCount, minSteps, maxSteps, maxDigits, seed);
    }

    public ProblemSpec withFamilies(List<Family> newFamilies) {
        return new ProblemSpec(newFamilies, count, minSteps, maxSteps, maxDigits, seed);
    }

    public ProblemSpec withSteps(int newMinSteps, int newMaxSteps) {
        return new ProblemSpec(families, count, newMinSteps, newMaxSteps, maxDigits, seed);
    }

    public ProblemSpec withMaxDigits(int newMaxDigits) {
        return new ProblemSpec(families, count, minSteps, maxSteps, newMaxDigits, seed);
    }
}
