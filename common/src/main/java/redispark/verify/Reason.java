package redispark.verify;

import java.util.Locale;

/** Why a verdict came out the way it did; {@link #label()} is the value stored in the labeled table. */
public enum Reason {
    MATCH,
    MISMATCH,
    NO_ANSWER,
    UNPARSABLE_GOLD,
    UNPARSABLE_PRED,
    TIMEOUT;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** Lower-case name, e.g. {@code "no_answer"}. */
    public String label() {
        return label;
    }
}
