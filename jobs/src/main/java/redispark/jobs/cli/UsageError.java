package redispark.jobs.cli;

import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A command line the command cannot use (an option value out of range or of an unknown kind), found after picocli
 * parsed it: reported like picocli's own usage errors, one line and exit code 2.
 */
final class UsageError extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    UsageError(String message) {
        super(message);
    }

    static void require(boolean ok, String message) {
        if (!ok) {
            throw new UsageError(message);
        }
    }

    /** {@code parser} applied to the value of {@code option}; a value it refuses is a usage error naming the option. */
    static <T> T option(String option, String value, Function<String, T> parser) {
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            String message = String.valueOf(e.getMessage());
            throw new UsageError(message.startsWith(option) ? message : option + ": " + message);
        }
    }

    /** {@code build}'s result, where a refusal (an {@link IllegalArgumentException}) is of option values. */
    static <T> T check(Supplier<T> build) {
        try {
            return build.get();
        } catch (UsageError e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new UsageError(String.valueOf(e.getMessage()));
        }
    }
}
