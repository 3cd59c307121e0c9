package redispark.jobs.run;

/**
 * The one line a user is shown for an error (and a failed stage records in {@code manifest.json}): the innermost
 * message of our own making, since Spark, executors and futures wrap the cause that says what went wrong.
 */
public final class ErrorLine {
    private ErrorLine() {}

    public static String of(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null
                && (t.getMessage() == null
                        || t instanceof StageFailure
                        || t instanceof org.apache.spark.SparkException
                        || t.getClass().getName().startsWith("java.util.concurrent")
                        || t.getClass().getName().startsWith("scala."))) {
            t = t.getCause();
        }
        // Our own validation errors speak for themselves; anything else also names its kind.
        boolean ours = t instanceof IllegalArgumentException
                || t instanceof java.io.UncheckedIOException
                || t instanceof redispark.jobs.spark.BarrierTraining.TrainingFailed;
        String message = t.getMessage() == null ? "" : t.getMessage();
        return firstLine(ours ? message : t.getClass().getSimpleName() + ": " + message);
    }

    public static String firstLine(String message) {
        int nl = message.indexOf('\n');
        return (nl < 0 ? message : message.substring(0, nl)).stripTrailing();
    }
}
