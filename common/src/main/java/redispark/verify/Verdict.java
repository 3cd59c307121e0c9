package redispark.verify;

/**
 * Outcome of one verification.
 *
 * @param correct   true only for {@link Reason#MATCH}
 * @param extracted the normalised predicted answer, or null when none was found
 * @param reason    why
 */
public record Verdict(boolean correct, String extracted, Reason reason) implements java.io.Serializable {

    static Verdict of(Reason reason, String extracted) {
        return new Verdict(reason == Reason.MATCH, extracted, reason);
    }
}
