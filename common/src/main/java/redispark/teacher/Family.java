package redispark.teacher;

import java.util.Locale;
import java.util.Optional;

/**
 * The built-in synthetic problem families. {@link #id()} is what {@link Problem#source()} holds.
 *
 * <p>"Steps" means something family-specific, always "more steps = more reasoning lines":
 *
 * <ul>
 *   <li>{@link #ARITHMETIC}: number of binary operations ({@code +}, {@code -}, {@code *}).
 *   <li>{@link #FRACTIONS}: number of binary operations on fractions.
 *   <li>{@link #LINEAR_EQUATION}: 1 = {@code ax + b = c}, 2 = {@code ax + b = dx + e}, 3 = {@code
 *       a(x + b) = dx + e}.
 *   <li>{@link #PERCENT}: 1 = p% of b, 2 = one increase/decrease, 3 = two successive changes.
 *   <li>{@link #SEQUENCE}: 1 = n-th term, 2 = n-th term from two given terms, 3 = sum of the
 *       first n terms (arithmetic sequences).
 * </ul>
 */
public enum Family {
    /** {@code Compute 23 + 45 - 12 * 3.} */
    ARITHMETIC(6),
    /** {@code Compute \frac{3}{4} + \frac{5}{6}.} */
    FRACTIONS(4),
    /** {@code Solve for x: 3x + 5 = 20.} */
    LINEAR_EQUATION(3),
    /** {@code What is 15% of 240?} */
    PERCENT(3),
    /** {@code What is the 20th term of the arithmetic sequence 3, 7, 11, ...?} */
    SEQUENCE(3);

    private final int maxSteps;

    Family(int maxSteps) {
        this.maxSteps = maxSteps;
    }

    /** The lower-case name used in problem ids and as {@link Problem#source()}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The largest step count this family supports; larger requests are capped to it. */
    public int maxSteps() {
        return maxSteps;
    }

    /** The family whose {@link #id()} (or enum name) is {@code source}, if any. */
    public static Optional<Family> fromSource(String source) {
        if (source == null) {
            return Optional.empty();
        }
        for (Family f : values()) {
            if (f.id().equals(source) || f.name().equals(source)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }
}
