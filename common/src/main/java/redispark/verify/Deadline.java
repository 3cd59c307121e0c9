package redispark.verify;

/**
 * Cooperative per-call deadline. Parsing and evaluation loops call {@link #check()}; once the budget is
 * spent it throws {@link Expired}, which {@link MathVerifier} turns into a {@code timeout} verdict.
 * No threads are involved, so a verification costs nothing beyond its own work.
 */
final class Deadline {

    /** Thrown when the budget is spent. Shared and stackless: throwing it must itself be cheap. */
    static final class Expired extends RuntimeException {
        static final Expired INSTANCE = new Expired();

        private Expired() {
            super("verification budget exceeded", null, false, false);
        }
    }

    /** A deadline that never expires, for internal callers (tests, gold pre-parsing). */
    static final Deadline NONE = new Deadline(Long.MAX_VALUE);

    private final long endNanos;

    private Deadline(long endNanos) {
        this.endNanos = endNanos;
    }

    static Deadline after(long budgetNanos) {
        long now = System.nanoTime();
        long end = now + budgetNanos;
        return new Deadline(end < now ? Long.MAX_VALUE : end);
    }

    void check() {
        if (endNanos != Long.MAX_VALUE && System.nanoTime() - endNanos > 0) {
            throw Expired.INSTANCE;
        }
    }

    boolean expired() {
        return endNanos != Long.MAX_VALUE && System.nanoTime() - endNanos > 0;
    }
}
