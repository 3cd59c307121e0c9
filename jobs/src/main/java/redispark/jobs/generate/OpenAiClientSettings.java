package redispark.jobs.generate;

import com.typesafe.config.Config;
import redispark.teacher.openai.OpenAiClientConfig;

/**
 * The connection keys an OpenAI-compatible server is reached with, read the same way under {@code teacher.openai}
 * and {@code eval.openai}: base-url, timeouts, retries, the API key's source, max-concurrency, max-response-size.
 */
public final class OpenAiClientSettings {
    private OpenAiClientSettings() {}

    /**
     * @param prefix the keys' common prefix with its trailing dot, e.g. {@code "eval.openai."}
     * @param model the served model requests name
     * @throws IllegalArgumentException from {@link OpenAiClientConfig} for a value it cannot take
     */
    public static OpenAiClientConfig of(Config c, String prefix, String model) {
        return new OpenAiClientConfig(
                c.getString(prefix + "base-url"),
                model,
                c.getDuration(prefix + "connect-timeout"),
                c.getDuration(prefix + "request-timeout"),
                c.getInt(prefix + "max-attempts"),
                c.getDuration(prefix + "initial-backoff"),
                c.getDuration(prefix + "max-backoff"),
                blankToNull(c.getString(prefix + "api-key-env")),
                blankToNull(c.getString(prefix + "api-key-file")),
                c.getInt(prefix + "max-concurrency"),
                c.getBytes(prefix + "max-response-size"));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
