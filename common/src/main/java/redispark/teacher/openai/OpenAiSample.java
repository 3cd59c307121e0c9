package redispark.teacher.openai;

import java.util.Objects;
import redispark.teacher.TeacherSample;

/**
 * A {@link TeacherSample} with the token counts the server reported for it.
 *
 * <p>OpenAI-compatible servers report usage per response, not per choice. {@code promptTokens} is the
 * response's {@code prompt_tokens} (every choice shares the prompt). {@code completionTokens} is exact
 * when the response held one choice; when it held several, the response's {@code completion_tokens} is
 * shared out in proportion to the choices' text lengths (so the per-sample numbers still add up to what
 * the server counted) and {@code completionTokensEstimated} is true.
 *
 * @param sample the sample; on failure {@link TeacherSample#error()} is set and the text is empty
 * @param promptTokens {@code usage.prompt_tokens} of the response, {@code null} when unknown or failed
 * @param completionTokens this sample's share of {@code usage.completion_tokens}, {@code null} when unknown
 *     or failed
 * @param completionTokensEstimated whether {@code completionTokens} is a proportional share
 */
public record OpenAiSample(
        TeacherSample sample, Integer promptTokens, Integer completionTokens, boolean completionTokensEstimated) {

    public OpenAiSample {
        Objects.requireNonNull(sample, "sample");
        if (promptTokens != null && promptTokens < 0) {
            throw new IllegalArgumentException("promptTokens must be >= 0, got " + promptTokens);
        }
        if (completionTokens != null && completionTokens < 0) {
            throw new IllegalArgumentException("completionTokens must be >= 0, got " + completionTokens);
        }
        if (completionTokensEstimated && completionTokens == null) {
            throw new IllegalArgumentException("completionTokensEstimated needs completionTokens");
        }
    }

    /** A failed sample: no text, no usage. */
    public static OpenAiSample failed(int sampleIdx, String error) {
        return new OpenAiSample(TeacherSample.failed(sampleIdx, error), null, null, false);
    }

    public int sampleIdx() {
        return sample.sampleIdx();
    }

    public boolean failed() {
        return sample.error() != null;
    }
}
