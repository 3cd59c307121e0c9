package redispark.teacher.source;

/**
 * A line of a problem table that did not become a {@link redispark.teacher.Problem}.
 *
 * @param lineNumber 1-based line number in the file
 * @param reason one line saying what is wrong, e.g. {@code missing field "answer"}
 */
public record Reject(long lineNumber, String reason) {

    public Reject {
        if (lineNumber < 1) {
            throw new IllegalArgumentException("lineNumber must be >= 1, got " + lineNumber);
        }
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("reason must not be blank");
        }
    }

    @Override
    public String toString() {
        return "line " + lineNumber + ": " + reason;
    }
}
