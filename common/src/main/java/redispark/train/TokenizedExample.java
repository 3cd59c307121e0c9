package redispark.train;

/**
 * One training sequence: the chat-templated prompt followed by the templated completion.
 *
 * @param id where it came from (problem id and sample index), for rejects and debugging
 * @param tokens prompt tokens then completion tokens
 * @param promptLength how many leading tokens are prompt (never trained on)
 */
public record TokenizedExample(String id, long[] tokens, int promptLength) {

    public TokenizedExample {
        if (promptLength < 1 || promptLength >= tokens.length) {
            throw new IllegalArgumentException(id + ": needs at least one prompt and one completion token, got prompt "
                    + promptLength + " of " + tokens.length);
        }
    }

    public int completionLength() {
        return tokens.length - promptLength;
    }
}
