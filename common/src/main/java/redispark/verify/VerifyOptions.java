package redispark.verify;

import java.time.Duration;
import java.util.Objects;

/**
 * Knobs of one verification.
 *
 * @param budget             hard budget of one call; when it runs out the verdict is
 *                           {@link Reason#TIMEOUT}
 * @param lastNumberFallback reward-style leniency: with no box and no "answer is" phrase, take the last
 *                           number of the output. Off when labelling: a truncated trace must not "match"
 *                           a number it merely restates.
 * @param wallClockBudget    false (default): the budget is the calling thread's CPU time, with a hard
 *                           wall-clock cap of three budgets (from the start of the call, never
 *                           restarted), so a busy machine does not turn answers into timeouts while no
 *                           call outlives the cap. True: the budget is plain wall-clock time
 *                           (strict latency, but verdicts may then depend on machine load).
 * @param approximate        lenient decimals: a decimal with about three significant digits matches any
 *                           gold it rounds (12.57 for 4 pi, 3.14 for 22/7). Off by default: a rounded
 *                           decimal then matches only a gold written as a decimal, or any gold when the
 *                           question asks for rounding
 *                           ({@link MathVerifier#verify(String, String, String, VerifyOptions)}).
 */
public record VerifyOptions(Duration budget, boolean lastNumberFallback, boolean wallClockBudget, boolean approximate)
        implements java.io.Serializable {

    private static final VerifyOptions DEFAULTS = new VerifyOptions(Duration.ofMillis(50), false, false, false);

    public VerifyOptions {
        Objects.requireNonNull(budget, "budget");
        if (budget.isNegative() || budget.isZero()) {
            throw new IllegalArgumentException("budget must be positive: " + budget);
        }
    }

    /** 50 ms budget of CPU time, labelling mode (no last-number fallback, no lenient decimals). */
    public static VerifyOptions defaults() {
        return DEFAULTS;
    }

    public VerifyOptions withBudget(Duration newBudget) {
        return new VerifyOptions(newBudget, lastNumberFallback, wallClockBudget, approximate);
    }

    public VerifyOptions withLastNumberFallback(boolean enabled) {
        return new VerifyOptions(budget, enabled, wallClockBudget, approximate);
    }

    public VerifyOptions withWallClockBudget(boolean enabled) {
        return new VerifyOptions(budget, lastNumberFallback, enabled, approximate);
    }

    public VerifyOptions withApproximate(boolean enabled) {
        return new VerifyOptions(budget, lastNumberFallback, wallClockBudget, enabled);
    }
}
