package redispark.verify;

/** The input is not an answer we can read. Stackless: it is an expected outcome, not a bug. */
final class ParseError extends RuntimeException {

    ParseError(String message) {
        super(message, null, false, false);
    }
}
