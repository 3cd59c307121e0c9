package redispark.teacher;

/**
 * One completion written by a {@link Teacher}.
 *
 * @param sampleIdx 0-based index of this sample among the samples for its problem
 * @param text the completion, e.g. {@code <think>\n...\n</think>\nThe final answer is \boxed{56}.}
 * @param finishReason {@code "stop"} for a complete answer, {@code "length"} when cut off
 * @param completionChars {@code text.length()}
 * @param error {@code null} normally; a message when the teacher could not answer (text is then
 *     empty)
 */
public record TeacherSample(int sampleIdx, String text, String finishReason, int completionChars, String error)
        implements java.io.Serializable {

    public static final String STOP = "stop";
    public static final String LENGTH = "length";

    public TeacherSample {
        if (sampleIdx < 0) {
            throw new IllegalArgumentException("sampleIdx must be >= 0, got " + sampleIdx);
        }
        if (text == null) {
            throw new IllegalArgumentException("text must not be null");
        }
        if (!STOP.equals(finishReason) && !LENGTH.equals(finishReason)) {
            throw new IllegalArgumentException("finishReason must be \"stop\" or \"length\", got " + finishReason);
        }
    }

    /** A sample for a problem the teacher could not answer. */
    public static TeacherSample failed(int sampleIdx, String error) {
        return new TeacherSample(sampleIdx, "", STOP, 0, error);
    }
}
