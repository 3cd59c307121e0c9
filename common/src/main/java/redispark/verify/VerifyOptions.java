package redispark.verify;

import java.time.Duration;
import java.util.Objects;

/**
 * Knobs of one verification.
 *
 * @param budget             hard wall-clock budget of one call; when it runs out the verdict is
 *                           {@link Reason#TIMEOUT}
 * @param lastNumberFallback reward-style leniency: with no box and no "answer is" phrase, take the last
 *                           number of the output. Off when labelling: a truncated trace must not "match"
 *                           a number it merely restates.
 */
public record VerifyOptions(Duration budget, boolean lastNumberFallback) implements java.io.Serializable {

    private static final VerifyOptions DEFAULTS = new VerifyOptions(Duration.ofMillis(50), false);

    public VerifyOptions {
        Objects.requireNonNull(budget, "budget");
        if (budget.isNegative() || budget.isZero()) {
            throw new IllegalArgumentException("budget must be positive: " + budget);
        }
    }

    /** 50 ms budget, labelling mode (no last-number fallback). */
    public static VerifyOptions defaults() {
        return DEFAULTS;
    }

    public VerifyOptions withBudget(Duration newBudget) {
        return new VerifyOptions(newBudget, lastNumberFallback);
    }

    public VerifyOptions withLastNumberFallback(boolean enabled) {
        return new VerifyOptions(budget, enabled);
    }
}
