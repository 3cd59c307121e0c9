package redispark.teacher.openai;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * The API key, held apart from everything printable. Its {@link #toString()} is redacted, and no message
 * built here contains it: errors name the variable or file, never the value.
 */
final class ApiKey {

    static final String REDACTED = "<redacted>";

    private final String value;

    private ApiKey(String value) {
        this.value = value;
    }

    /**
     * Reads the key the config names, or returns {@code null} when it names none.
     *
     * @param getenv environment lookup ({@code System::getenv} outside tests)
     * @throws IllegalArgumentException naming {@code apiKeyEnv}/{@code apiKeyFile} when the key is missing,
     *     blank, unreadable or not a single printable token
     */
    static ApiKey resolve(OpenAiClientConfig config, Function<String, String> getenv) {
        String raw;
        String origin;
        if (config.apiKeyEnv() != null) {
            origin = "apiKeyEnv: environment variable " + config.apiKeyEnv();
            raw = getenv.apply(config.apiKeyEnv());
            if (raw == null) {
                throw new IllegalArgumentException(origin + " is not set");
            }
        } else if (config.apiKeyFile() != null) {
            origin = "apiKeyFile: " + config.apiKeyFile();
            try {
                raw = Files.readString(Path.of(config.apiKeyFile()), StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException e) {
                // The exception names the path and the failure kind only; the file content is never read into it.
                throw new IllegalArgumentException(
                        origin + " cannot be read (" + e.getClass().getSimpleName() + ")", e);
            }
        } else {
            return null;
        }
        String key = raw.strip();
        if (key.isEmpty()) {
            throw new IllegalArgumentException(origin + " is blank");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            // A header value with spaces or control characters would be rejected by the HTTP client with a
            // message that may quote it; refuse it here with a message that does not.
            if (c < 0x21 || c > 0x7e) {
                throw new IllegalArgumentException(origin
                        + " must hold one token of printable ASCII (found a space, control or non-ASCII character)");
            }
        }
        return new ApiKey(key);
    }

    /** Wraps a key directly (tests). */
    static ApiKey of(String value) {
        return new ApiKey(value);
    }

    /** The {@code Authorization} header value. */
    String bearer() {
        return "Bearer " + value;
    }

    /** {@code text} with every occurrence of the key replaced, for anything built from server output. */
    String redact(String text) {
        return text == null ? null : text.replace(value, REDACTED);
    }

    @Override
    public String toString() {
        return "ApiKey[" + REDACTED + "]";
    }
}
