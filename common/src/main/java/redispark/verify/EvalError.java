package redispark.verify;

/**
 * An expression could not be evaluated: a domain error (division by zero, log of zero), a value too big
 * to compute within the size guards, or a construct with no numeric meaning. Stackless because it is
 * part of normal control flow (a sample point is skipped, a comparison falls back to structure).
 */
final class EvalError extends RuntimeException {

    enum Kind {
        DOMAIN,
        TOO_BIG,
        UNSUPPORTED
    }

    final Kind kind;

    EvalError(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    static EvalError domain(String m) {
        return new EvalError(Kind.DOMAIN, m);
    }

    static EvalError tooBig(String m) {
        return new EvalError(Kind.TOO_BIG, m);
    }

    static EvalError unsupported(String m) {
        return new EvalError(Kind.UNSUPPORTED, m);
    }
}
