package redispark.teacher;

import redispark.verify.Rational;

/**
 * The structured form of a synthetic problem. Each family renders to and parses from one fixed
 * phrasing, computes its answer in closed form, and solves itself line by line on a {@link
 * Scratch} (which is where the built-in teacher's slips happen).
 */
sealed interface Task permits ExprTask, LinearTask, PercentTask, SequenceTask {

    /** The problem statement. */
    String render();

    /** The exact answer, computed directly (not via {@link #solve}). */
    Rational answer();

    /** Writes the reasoning lines on {@code w} and returns the value they arrive at. */
    Rational solve(Scratch w);

    /** Draws a problem of {@code family} with the given knobs. */
    static Task generate(Family family, Rng rng, int steps, int digits) {
        return switch (family) {
            case ARITHMETIC -> ExprTask.generate(rng, steps, digits, false);
            case FRACTIONS -> ExprTask.generate(rng, steps, digits, true);
            case LINEAR_EQUATION -> LinearTask.generate(rng, steps, digits);
            case PERCENT -> PercentTask.generate(rng, steps, digits);
            case SEQUENCE -> SequenceTask.generate(rng, steps, digits);
        };
    }

    /**
     * Parses a statement written by {@link #render()} for {@code family}.
     *
     * @throws IllegalArgumentException if the text is not in the family's phrasing
     */
    static Task parse(Family family, String text) {
        return switch (family) {
            case ARITHMETIC, FRACTIONS -> ExprTask.parse(text);
            case LINEAR_EQUATION -> LinearTask.parse(text);
            case PERCENT -> PercentTask.parse(text);
            case SEQUENCE -> SequenceTask.parse(text);
        };
    }

    /** {@code 10^k}. */
    static long pow10(int k) {
        long p = 1;
        for (int i = 0; i < k; i++) {
            p *= 10;
        }
        return p;
    }

    /** A value in {@code table} indexed by {@code digits} (1-based), clamped to the table. */
    static int byDigits(int digits, int... table) {
        return table[Math.min(Math.max(digits, 1), table.length) - 1];
    }
}
