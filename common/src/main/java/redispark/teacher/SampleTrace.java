package redispark.teacher;

import java.util.List;

/**
 * Debug/test view of one {@link BuiltInTeacher} sample: the sample plus what the teacher meant.
 *
 * <p>The pipeline must not use this to label data (the verifier does that); it exists so tests and
 * reports can check the teacher against its own intent.
 *
 * @param sample the sample exactly as {@link BuiltInTeacher#sample} returns it
 * @param intendedAnswer canonical LaTeX of the value the trace arrives at (also for truncated
 *     samples, where it never gets written)
 * @param intendedCorrect true iff the sample is complete and its answer equals the problem's
 *     answer
 * @param slips the slips made, in order (empty for a clean trace)
 * @param truncated true iff the sample was cut off ({@code finishReason = "length"})
 * @param style how the final answer is written ({@link AnswerStyle#BOXED} when truncated)
 */
public record SampleTrace(
        TeacherSample sample,
        String intendedAnswer,
        boolean intendedCorrect,
        List<Slip> slips,
        boolean truncated,
        AnswerStyle style) {

    public SampleTrace {
        slips = List.copyOf(slips);
    }
}
