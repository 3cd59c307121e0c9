package redispark.teacher.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redispark.teacher.openai.Responses.MalformedResponse;
import redispark.teacher.openai.Responses.Parsed;

/**
 * Sends completion requests to an OpenAI-compatible server ({@code /chat/completions} or {@code /completions}):
 * builds the request body, retries transient failures with back-off, caps the response body, and sends the API key.
 * Used by the OpenAI teacher and by evaluation against a served model.
 *
 * <p><b>Never throws for a failed request.</b> {@link #complete} returns either the parsed answer or a one-line
 * reason: after retries are exhausted, on a 4xx other than 408/429, on a malformed body, or on a body over the cap.
 *
 * <p><b>Retries</b>: 408, 429, 5xx, timeouts and connection errors are retried up to {@code maxAttempts}, waiting
 * {@code Retry-After} when the server sends one (one longer than {@code maxBackoff} fails the request), else
 * exponential back-off with jitter.
 *
 * <p><b>Threads</b>: one instance is meant to be shared by all task threads of an executor JVM; at most {@code
 * maxConcurrency} requests are on the wire at once (threads waiting out a back-off hold no slot).
 *
 * <p><b>The API key</b> is sent as {@code Authorization: Bearer ...} and appears in no log line, exception, reason
 * or {@code toString()}; reasons that quote server output have the key masked.
 */
public final class OpenAiClient {

    private static final Logger LOG = LoggerFactory.getLogger(OpenAiClient.class);

    /** Longest reason returned; server bodies can be pages of HTML. */
    static final int MAX_REASON_CHARS = 300;

    /** Which OpenAI endpoint to call. */
    public enum Mode {
        /** {@code POST {baseUrl}/chat/completions} with {@code messages}: the server applies the chat template. */
        CHAT,
        /** {@code POST {baseUrl}/completions} with a raw {@code prompt}: the prompt must carry any chat format. */
        COMPLETIONS
    }

    /**
     * One request for {@code n} choices.
     *
     * @param systemPrompt a system message before the prompt, or {@code null}; chat mode only
     * @param prompt the user message (chat) or the raw prompt (completions)
     * @param seed the {@code seed} field, or {@code null} to send none
     * @param responsePrefix put before each answer that does not start with it ({@code ""} = none)
     */
    public record Request(
            Mode mode,
            String systemPrompt,
            String prompt,
            int n,
            double temperature,
            double topP,
            int maxTokens,
            Long seed,
            String responsePrefix) {
        public Request {
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(responsePrefix, "responsePrefix");
            if (n < 1) {
                throw new IllegalArgumentException("n must be >= 1, got " + n);
            }
            checkSampling(temperature, topP, maxTokens);
        }
    }

    /** The parsed answer, or the one-line reason why there is none (exactly one of them is set). */
    public record Outcome(Parsed parsed, String error) {}

    private final OpenAiClientConfig config;
    private final ApiKey apiKey;
    private final HttpClient http;
    private final Semaphore slots;
    private final ObjectMapper json = new ObjectMapper();

    /** A client whose API key (if the config names one) comes from the process environment or a file. */
    public OpenAiClient(OpenAiClientConfig config) {
        this(config, System::getenv);
    }

    /** As {@link #OpenAiClient(OpenAiClientConfig)} with an explicit environment (tests). */
    OpenAiClient(OpenAiClientConfig config, Function<String, String> getenv) {
        this.config = Objects.requireNonNull(config, "config");
        this.apiKey = ApiKey.resolve(config, getenv);
        this.http = HttpClient.newBuilder()
                // HTTP/1.1 on purpose: for http:// URLs the JDK client would otherwise try an h2c upgrade,
                // which some inference servers and proxies mishandle.
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.slots = new Semaphore(config.maxConcurrency(), true);
    }

    public OpenAiClientConfig config() {
        return config;
    }

    /** {@code openai:<served model>}, as rows and logs name the model. */
    public String name() {
        return "openai:" + config.model();
    }

    /** The URL a request in {@code mode} is posted to. */
    public static URI endpoint(OpenAiClientConfig config, Mode mode) {
        return URI.create(config.baseUrl() + (mode == Mode.CHAT ? "/chat/completions" : "/completions"));
    }

    /** A request seed within 31 bits (some servers hold seeds in 32-bit ints): {@code (seed + offset) mod 2^31}. */
    public static long requestSeed(long seed, int offset) {
        return (seed + offset) & 0x7fff_ffffL;
    }

    /** Checks the sampling fields every request carries, naming the bad one. */
    static void checkSampling(double temperature, double topP, int maxTokens) {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
        }
    }

    /**
     * Sends {@code request}, retrying as the class doc says.
     *
     * @param subject what the request is for, in log lines (e.g. {@code "problem p-1"})
     * @throws InterruptedException when the calling thread is interrupted while waiting
     */
    public Outcome complete(Request request, String subject) throws InterruptedException {
        URI endpoint = endpoint(config, request.mode());
        HttpRequest http = httpRequest(endpoint, request);
        for (int attempt = 1; ; attempt++) {
            LOG.debug(
                    "POST {} model={} n={} seed={} {} attempt {}/{}",
                    endpoint,
                    config.model(),
                    request.n(),
                    request.seed(),
                    subject,
                    attempt,
                    config.maxAttempts());
            Attempt a = send(http);
            if (a instanceof Ok ok) {
                try {
                    return new Outcome(
                            Responses.parse(json, ok.body(), request.mode(), request.responsePrefix()), null);
                } catch (MalformedResponse e) {
                    // Not retried: a server that answers 200 with garbage is misconfigured, and asking again only
                    // burns the back-off budget before the same result.
                    return new Outcome(null, reason(e.getMessage()));
                }
            }
            if (a instanceof Fatal fatal) {
                return new Outcome(null, fatal.reason());
            }
            Retry retry = (Retry) a;
            if (attempt >= config.maxAttempts()) {
                return new Outcome(
                        null,
                        reason(retry.reason() + " (gave up after " + attempt + " attempt" + (attempt == 1 ? "" : "s")
                                + ")"));
            }
            Duration wait;
            if (retry.retryAfter() != null) {
                if (retry.retryAfter().compareTo(config.maxBackoff()) > 0) {
                    return new Outcome(
                            null,
                            reason(retry.reason() + " (server asked to retry after "
                                    + retry.retryAfter().toMillis() + " ms, more than maxBackoff "
                                    + config.maxBackoff().toMillis() + " ms)"));
                }
                wait = retry.retryAfter();
            } else {
                wait = Backoff.delay(
                        attempt, config.initialBackoff(), config.maxBackoff(), ThreadLocalRandom.current());
            }
            LOG.info(
                    "{}: {}: {} (attempt {}/{}); retrying in {} ms",
                    name(),
                    subject,
                    retry.reason(),
                    attempt,
                    config.maxAttempts(),
                    wait.toMillis());
            TimeUnit.NANOSECONDS.sleep(wait.toNanos());
        }
    }

    /** One line, bounded, with the API key masked (servers may echo it, e.g. in a 401 message). */
    public String reason(String raw) {
        String s = apiKey == null ? raw : apiKey.redact(raw);
        s = s.replaceAll("\\s+", " ").strip();
        if (s.length() > MAX_REASON_CHARS) {
            s = s.substring(0, MAX_REASON_CHARS - 3) + "...";
        }
        return s;
    }

    @Override
    public String toString() {
        return "OpenAiClient[model="
                + config.model()
                + ", baseUrl="
                + config.baseUrl()
                + ", apiKey="
                + (apiKey == null ? "none" : ApiKey.REDACTED)
                + ", maxConcurrency="
                + config.maxConcurrency()
                + "]";
    }

    private HttpRequest httpRequest(URI endpoint, Request request) {
        ObjectNode body = json.createObjectNode();
        body.put("model", config.model());
        if (request.mode() == Mode.CHAT) {
            ArrayNode messages = body.putArray("messages");
            if (request.systemPrompt() != null) {
                messages.addObject().put("role", "system").put("content", request.systemPrompt());
            }
            messages.addObject().put("role", "user").put("content", request.prompt());
        } else {
            body.put("prompt", request.prompt());
        }
        body.put("n", request.n());
        body.put("temperature", request.temperature());
        body.put("top_p", request.topP());
        body.put("max_tokens", request.maxTokens());
        if (request.seed() != null) {
            body.put("seed", request.seed());
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint)
                .timeout(config.requestTimeout())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toString().getBytes(StandardCharsets.UTF_8)));
        if (apiKey != null) {
            b.header("Authorization", apiKey.bearer());
        }
        return b.build();
    }

    private sealed interface Attempt permits Ok, Retry, Fatal {}

    private record Ok(byte[] body) implements Attempt {}

    /** A transient failure; {@code retryAfter} is the server's wish, or {@code null}. */
    private record Retry(String reason, Duration retryAfter) implements Attempt {}

    private record Fatal(String reason) implements Attempt {}

    /** Sends once, holding a concurrency slot only while the request is on the wire. */
    private Attempt send(HttpRequest request) throws InterruptedException {
        slots.acquire();
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, BoundedBody.handler(config.maxResponseBytes()));
        } catch (HttpTimeoutException e) {
            // Also covers HttpConnectTimeoutException.
            return new Retry(reason("timed out (" + e.getMessage() + ")"), null);
        } catch (ConnectException e) {
            return new Retry(reason("connection failed: " + e), null);
        } catch (IOException e) {
            if (BoundedBody.cause(e) != null) { // the same request would get the same answer
                return new Fatal(reason(BoundedBody.cause(e).getMessage()));
            }
            // Reset connections, a server that closed mid-answer, ...: transient as far as we can tell.
            return new Retry(reason("I/O error: " + e), null);
        } finally {
            slots.release();
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return new Ok(response.body());
        }
        String why = reason("HTTP " + status + errorDetail(response.body()));
        if (status == 408 || status == 429 || status >= 500) {
            return new Retry(
                    why, Backoff.retryAfter(response.headers(), Instant.now()).orElse(null));
        }
        return new Fatal(why);
    }

    /** {@code ": <message>"} from an OpenAI error body, or the start of whatever the body is. */
    private String errorDetail(byte[] body) {
        if (body == null || body.length == 0) {
            return "";
        }
        String text = new String(body, 0, Math.min(body.length, 4096), StandardCharsets.UTF_8);
        try {
            var node = json.readTree(text);
            var message = node.path("error").path("message");
            if (message.isTextual() && !message.asText().isBlank()) {
                return ": " + message.asText();
            }
            if (node.path("error").isTextual()) {
                return ": " + node.path("error").asText();
            }
        } catch (IOException | RuntimeException e) {
            // not JSON (an HTML error page, a truncated body); fall back to the raw text
        }
        return ": " + text;
    }
}
