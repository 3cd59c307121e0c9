package redispark.jobs.run;

/** A stage that failed with a checked exception (a {@code SparkException}, an I/O error), carried unchecked. */
public final class StageFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StageFailure(String stage, Throwable cause) {
        super(stage + " failed: " + ErrorLine.of(cause), cause);
    }
}
