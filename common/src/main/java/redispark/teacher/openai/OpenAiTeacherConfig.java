package redispark.teacher.openai;

import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Objects;

/**
 * How an {@link OpenAiTeacher} talks to an OpenAI-compatible server (vLLM, SGLang, llama.cpp, OpenAI, ...).
 *
 * <p>The record holds no secret: the API key is named by {@code apiKeyEnv} or {@code apiKeyFile} and read
 * where the teacher is built (on the executor), so the config can be logged, serialised to executors and
 * stored in a run manifest.
 *
 * @param baseUrl the API root including its version prefix, as in the OpenAI clients: {@code
 *     http://localhost:8000/v1}; the teacher appends {@code /chat/completions} or {@code /completions}
 * @param model the {@code model} field of every request (vLLM: the served model name)
 * @param mode which endpoint to call
 * @param systemPrompt an optional system message ({@code null} = none); chat mode only
 * @param promptTemplate the user message (chat) or the raw prompt (completions); {@code {problem}} is
 *     replaced by the problem text, nothing else is interpreted (so {@code \boxed{}} stays as written)
 * @param responsePrefix prepended to each completion unless it already starts with it; e.g. {@code
 *     "<think>\n"} for R1-distill models whose chat template puts the opening tag into the prompt
 * @param temperature sampling temperature, {@code >= 0}
 * @param topP nucleus mass in (0, 1]
 * @param maxTokens the {@code max_tokens} of every request (completion tokens per sample)
 * @param maxChoicesPerRequest the largest {@code n} sent in one request; bigger {@code n} is split
 * @param sendSeed whether to send the {@code seed} field (a few hosted APIs reject it)
 * @param connectTimeout TCP connect timeout
 * @param requestTimeout time for one whole request, from send to the last byte of the answer
 * @param maxAttempts attempts per request, the first included ({@code 1} = no retry)
 * @param initialBackoff wait before the second attempt; doubles per attempt, with jitter
 * @param maxBackoff cap on one wait; a {@code Retry-After} longer than this fails the request instead
 * @param apiKeyEnv name of the environment variable that holds the API key, or {@code null}
 * @param apiKeyFile path of a file that holds the API key (surrounding whitespace ignored), or {@code null};
 *     with neither, no {@code Authorization} header is sent (a local server)
 * @param maxConcurrency requests in flight at once per teacher instance (one instance per executor JVM)
 * @param maxResponseBytes the largest response body read; a longer one fails its request while it is read (a
 *     misbehaving server or proxy cannot fill the executor's memory)
 */
public record OpenAiTeacherConfig(
        String baseUrl,
        String model,
        Mode mode,
        String systemPrompt,
        String promptTemplate,
        String responsePrefix,
        double temperature,
        double topP,
        int maxTokens,
        int maxChoicesPerRequest,
        boolean sendSeed,
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

    /** The placeholder that {@link #promptTemplate} must contain. */
    public static final String PROBLEM_PLACEHOLDER = "{problem}";

    /**
     * The open-r1 generation prompt (scripts/generate_reasoning.py, which wrote the OpenR1-Math traces REDI
     * trains on): the R1 instruction "Please reason step by step, and put your final answer within
     * \boxed{}." put before the problem.
     */
    public static final String R1_TEMPLATE =
            "You will be given a problem. Please reason step by step, and put your final answer within"
                    + " \\boxed{}:\n"
                    + PROBLEM_PLACEHOLDER;

    /** Which OpenAI endpoint to call. */
    public enum Mode {
        /** {@code POST {baseUrl}/chat/completions} with {@code messages}: the server applies the chat template. */
        CHAT,
        /** {@code POST {baseUrl}/completions} with a raw {@code prompt}: the template must carry any chat format. */
        COMPLETIONS
    }

    public OpenAiTeacherConfig {
        baseUrl = checkBaseUrl(baseUrl);
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("model must not be blank");
        }
        Objects.requireNonNull(mode, "mode");
        if (systemPrompt != null && mode == Mode.COMPLETIONS) {
            throw new IllegalArgumentException(
                    "systemPrompt is only used in CHAT mode; in COMPLETIONS mode put it into promptTemplate");
        }
        if (promptTemplate == null || !promptTemplate.contains(PROBLEM_PLACEHOLDER)) {
            throw new IllegalArgumentException(
                    "promptTemplate must contain " + PROBLEM_PLACEHOLDER + ", got " + quote(promptTemplate));
        }
        Objects.requireNonNull(responsePrefix, "responsePrefix (use \"\" for none)");
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
        }
        if (maxChoicesPerRequest < 1) {
            throw new IllegalArgumentException("maxChoicesPerRequest must be >= 1, got " + maxChoicesPerRequest);
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

    /** With {@link #DEFAULT_MAX_RESPONSE_BYTES}. */
    public OpenAiTeacherConfig(
            String baseUrl,
            String model,
            Mode mode,
            String systemPrompt,
            String promptTemplate,
            String responsePrefix,
            double temperature,
            double topP,
            int maxTokens,
            int maxChoicesPerRequest,
            boolean sendSeed,
            Duration connectTimeout,
            Duration requestTimeout,
            int maxAttempts,
            Duration initialBackoff,
            Duration maxBackoff,
            String apiKeyEnv,
            String apiKeyFile,
            int maxConcurrency) {
        this(
                baseUrl,
                model,
                mode,
                systemPrompt,
                promptTemplate,
                responsePrefix,
                temperature,
                topP,
                maxTokens,
                maxChoicesPerRequest,
                sendSeed,
                connectTimeout,
                requestTimeout,
                maxAttempts,
                initialBackoff,
                maxBackoff,
                apiKeyEnv,
                apiKeyFile,
                maxConcurrency,
                DEFAULT_MAX_RESPONSE_BYTES);
    }

    /**
     * Whether a key may travel to {@code uri}: over https, or over http to this machine only. The host is judged
     * by its name, never resolved: {@code localhost} or a loopback address literal.
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

    /**
     * A local vLLM server ({@code vllm serve deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B}) with open-r1's
     * generation settings: chat mode, {@link #R1_TEMPLATE}, temperature 0.6, top-p 0.95, 16,384 tokens (REDI
     * later drops traces over 19,000 tokens, so longer ones would be wasted). No API key.
     */
    public static OpenAiTeacherConfig defaults() {
        return new OpenAiTeacherConfig(
                "http://localhost:8000/v1",
                "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B",
                Mode.CHAT,
                null,
                R1_TEMPLATE,
                "",
                0.6,
                0.95,
                16_384,
                16,
                true,
                Duration.ofSeconds(10),
                // 16k tokens at ~20 tokens/s is ~14 minutes for one long trace.
                Duration.ofMinutes(15),
                5,
                Duration.ofSeconds(1),
                Duration.ofSeconds(60),
                null,
                null,
                8,
                DEFAULT_MAX_RESPONSE_BYTES);
    }

    /** The endpoint the teacher posts to. */
    public URI endpoint() {
        return URI.create(baseUrl + (mode == Mode.CHAT ? "/chat/completions" : "/completions"));
    }

    /** The user message (chat) or raw prompt (completions) for one problem. */
    public String render(String problemText) {
        return promptTemplate.replace(PROBLEM_PLACEHOLDER, problemText);
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

    private static String quote(String s) {
        return s == null ? "null" : "\"" + s + "\"";
    }
}
