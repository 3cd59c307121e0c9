package redispark.model;

/**
 * One sampled continuation.
 *
 * @param tokens generated ids, without the stop token that ended them
 * @param finishReason {@code "stop"} (a stop token was sampled) or {@code "length"} (maxNewTokens reached)
 */
public record Generation(long[] tokens, String finishReason) {
    public static final String STOP = "stop";
    public static final String LENGTH = "length";
}
