package redispark.teacher.openai;

import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;

/**
 * How an {@link OpenAiClient} reaches an OpenAI-compatible server (vLLM, SGLang, llama.cpp, OpenAI, ...): where,
 * which served model, timeouts, retries, the API key's source, the concurrency limit and the response cap. Shared by
 * the OpenAI teacher and the OpenAI evaluation backend.
 *
 * <p>The record holds no secret: the API key is named by {@code apiKeyEnv} or {@code apiKeyFile} and read where the
 * client is built (on the executor), so the config can be logged, serialised to executors and stored in a run
 * manifest.
 *
 * @param baseUrl the API root including its version prefix, as in the OpenAI clients: {@code
 *     http://localhost:8000/v1}; the client appends {@code /chat/completions} or {@code /completions}
 * @param model the {@code model} field of every request (vLLM: the served model name)
 * @param connectTimeout TCP connect timeout
 * @param requestTimeout time for one whole request, from send to the last byte of the answer
 * @param maxAttempts attempts per request, the first included ({@code 1} = no retry)
 * @param initialBackoff wait before the second attempt; doubles per attempt, with jitter
 * @param maxBackoff cap on one wait; a {@code Retry-After} longer than this fails the request instead
 * @param apiKeyEnv name of the environment variable that holds the API key, or {@code null}
 * @param apiKeyFile path of a file that holds the API key (surrounding whitespace ignored), or {@code null}; with
 *     neither, no {@code Authorization} header is sent (a local server)
 * @param maxConcurrency requests in flight at once per client instance (one instance per executor JVM)
 * @param maxResponseBytes the largest response body read; a longer one fails its request while it is read (a
 *     misbehaving server or proxy cannot fill the executor's memory)
 */
public record OpenAiClientConfig(
        String baseUrl,
        String model,
        Duration connectTimeout,
        Duration requestTimeout,
        int maxAttempts,
        Duration initialBackoff,
        Duration maxBackoff,
        String apiKeyEnv,
        String apiKeyFile,
        int maxConcurrency,
        long maxResponseBytes)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    /** {@link #maxResponseBytes} unless set: a 16k-token answer with n = 16 is about 1 MiB of JSON. */
    public static final long DEFAULT_MAX_RESPONSE_BYTES = 32L << 20;

    public OpenAiClientConfig {
        baseUrl = checkBaseUrl(baseUrl);
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("model must not be blank");
        }
        checkPositive("connectTimeout", connectTimeout);
        checkPositive("requestTimeout", requestTimeout);
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, got " + maxAttempts);
        }
        checkPositive("initialBackoff", initialBackoff);
        checkPositive("maxBackoff", maxBackoff);
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException(
                    "maxBackoff must be >= initialBackoff, got " + maxBackoff + " < " + initialBackoff);
        }
        if (apiKeyEnv != null && apiKeyEnv.isBlank()) {
            throw new IllegalArgumentException("apiKeyEnv must be null or a variable name, got a blank string");
        }
        if (apiKeyFile != null && apiKeyFile.isBlank()) {
            throw new IllegalArgumentException("apiKeyFile must be null or a path, got a blank string");
        }
        if (apiKeyEnv != null && apiKeyFile != null) {
            throw new IllegalArgumentException("set at most one of apiKeyEnv and apiKeyFile");
        }
        if (maxConcurrency < 1) {
            throw new IllegalArgumentException("maxConcurrency must be >= 1, got " + maxConcurrency);
        }
        if (maxResponseBytes < 1024) {
            throw new IllegalArgumentException("maxResponseBytes must be >= 1024, got " + maxResponseBytes);
        }
        if ((apiKeyEnv != null || apiKeyFile != null) && !keySafe(URI.create(baseUrl))) {
            throw new IllegalArgumentException("baseUrl " + baseUrl + " would send the API key unencrypted: use"
                    + " https:// (plain http only to a loopback host: localhost, 127.0.0.1, [::1])");
        }
    }

    /**
     * A local vLLM server ({@code vllm serve deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B}) without an API key: 10 s to
     * connect, 15 minutes per request (16k tokens at ~20 tokens/s), 5 attempts backing off from 1 s up to 60 s, 8
     * requests in flight.
     */
    public static OpenAiClientConfig defaults() {
        return new OpenAiClientConfig(
                "http://localhost:8000/v1",
                "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B",
                Duration.ofSeconds(10),
                Duration.ofMinutes(15),
                5,
                Duration.ofSeconds(1),
                Duration.ofSeconds(60),
                null,
                null,
                8,
                DEFAULT_MAX_RESPONSE_BYTES);
    }

    /**
     * Whether a key may travel to {@code uri}: over https, or over http to this machine only. The host is judged by
     * its name, never resolved: {@code localhost} or a loopback address literal.
     */
    static boolean keySafe(URI uri) {
        if ("https".equals(uri.getScheme())) {
            return true;
        }
        String host = uri.getHost();
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (!literal.matches("[0-9.]+") && !literal.contains(":")) {
            return false; // a name: resolving it here would trust whatever DNS answers
        }
        try {
            return java.net.InetAddress.getByName(literal).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private static String checkBaseUrl(String baseUrl) {
        if (baseUrl == null || baseUrl.isBlank()) {
            throw new IllegalArgumentException("baseUrl must not be blank");
        }
        String trimmed = baseUrl.strip();
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        URI uri;
        try {
            uri = new URI(trimmed);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("baseUrl is not a valid URL: " + quote(baseUrl), e);
        }
        String scheme = uri.getScheme();
        if (!("http".equals(scheme) || "https".equals(scheme)) || uri.getHost() == null) {
            throw new IllegalArgumentException(
                    "baseUrl must be an http(s) URL with a host, e.g. http://localhost:8000/v1, got " + quote(baseUrl));
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            // Credentials belong in apiKeyEnv/apiKeyFile, never in a URL that gets logged.
            throw new IllegalArgumentException(
                    "baseUrl must not carry user info, a query or a fragment; use apiKeyEnv or apiKeyFile for keys");
        }
        return trimmed;
    }

    private static void checkPositive(String field, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(field + " must be a positive duration, got " + d);
        }
    }

    static String quote(String s) {
        return s == null ? "null" : "\"" + s + "\"";
    }
}
