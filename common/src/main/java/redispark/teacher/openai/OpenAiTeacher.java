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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redispark.teacher.Problem;
import redispark.teacher.Teacher;
import redispark.teacher.TeacherSample;
import redispark.teacher.openai.OpenAiTeacherConfig.Mode;
import redispark.teacher.openai.Responses.Choice;
import redispark.teacher.openai.Responses.MalformedResponse;
import redispark.teacher.openai.Responses.Parsed;

/**
 * A {@link Teacher} that asks an OpenAI-compatible server ({@code /chat/completions} or {@code
 * /completions}) for {@code n} completions per problem.
 *
 * <p><b>Never throws for a failed request.</b> Every requested {@code sample_idx} comes back exactly once,
 * either as a completion or as a row with {@link TeacherSample#error()} set (a one-line reason) and empty
 * text: after retries are exhausted, on a 4xx other than 408/429, on a malformed body, or when the calling
 * thread is interrupted (the interrupt flag is then kept set so Spark sees the kill).
 *
 * <p><b>Retries</b>: 408, 429, 5xx, timeouts and connection errors are retried up to {@code maxAttempts},
 * waiting {@code Retry-After} when the server sends one, else exponential back-off with jitter.
 *
 * <p><b>Fewer choices than asked</b> (servers that ignore or cap {@code n}): the missing ones are asked for
 * again, so a problem always ends with its {@code n} indices.
 *
 * <p><b>Reruns</b>: {@link #sampleWithUsage} takes the indices already stored and asks only for the others,
 * so a rerun never duplicates a {@code (problem_id, sample_idx)}. Each request sends {@code seed =
 * (seed + first sample index of the request) mod 2^31} (31 bits because some servers hold seeds in 32-bit
 * ints): the same request is repeated exactly where the server honours seeds, and a follow-up request for
 * the missing indices gets a different seed from the request that came short.
 *
 * <p><b>Threads</b>: one instance is meant to be shared by all task threads of an executor JVM; at most
 * {@code maxConcurrency} requests are in flight at once (threads waiting out a back-off hold no slot).
 *
 * <p><b>The API key</b> is sent as {@code Authorization: Bearer ...} and appears in no log line, exception,
 * error row or {@code toString()}; error text that quotes server output has the key masked.
 */
public final class OpenAiTeacher implements Teacher {

    private static final Logger LOG = LoggerFactory.getLogger(OpenAiTeacher.class);

    /** Longest error reason kept in a sample row; server bodies can be pages of HTML. */
    static final int MAX_REASON_CHARS = 300;

    private final OpenAiTeacherConfig config;
    private final ApiKey apiKey;
    private final URI endpoint;
    private final HttpClient http;
    private final Semaphore slots;
    private final ObjectMapper json = new ObjectMapper();

    /** A teacher whose API key (if the config names one) comes from the process environment or a file. */
    public OpenAiTeacher(OpenAiTeacherConfig config) {
        this(config, System::getenv);
    }

    /** As {@link #OpenAiTeacher(OpenAiTeacherConfig)} with an explicit environment (tests). */
    OpenAiTeacher(OpenAiTeacherConfig config, Function<String, String> getenv) {
        this.config = Objects.requireNonNull(config, "config");
        this.apiKey = ApiKey.resolve(config, getenv);
        this.endpoint = config.endpoint();
        this.http = HttpClient.newBuilder()
                // HTTP/1.1 on purpose: for http:// URLs the JDK client would otherwise try an h2c upgrade,
                // which some inference servers and proxies mishandle.
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.slots = new Semaphore(config.maxConcurrency(), true);
    }

    public OpenAiTeacherConfig config() {
        return config;
    }

    @Override
    public String name() {
        return "openai:" + config.model();
    }

    @Override
    public List<TeacherSample> sample(Problem problem, int n, long seed) {
        List<OpenAiSample> rows = sampleWithUsage(problem, n, seed, Set.of());
        List<TeacherSample> out = new ArrayList<>(rows.size());
        for (OpenAiSample r : rows) {
            out.add(r.sample());
        }
        return out;
    }

    /**
     * Asks for the indices in {@code 0..n-1} that are not in {@code alreadyDone}, and returns one row per
     * such index, sorted by index (an empty list when all are done). Indices in {@code alreadyDone} outside
     * {@code 0..n-1} are ignored.
     *
     * <p>Requests go out one after another (the concurrency comes from the caller's threads). When one fails
     * for good, the indices it and any later request would have filled all become error rows with its
     * reason: a server that just refused or timed out after every retry is not asked again for this problem.
     *
     * @throws IllegalArgumentException only for bad arguments ({@code n < 0}); request failures become rows
     */
    public List<OpenAiSample> sampleWithUsage(Problem problem, int n, long seed, Set<Integer> alreadyDone) {
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(alreadyDone, "alreadyDone");
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, got " + n);
        }
        Deque<Integer> todo = new ArrayDeque<>();
        for (int i = 0; i < n; i++) {
            if (!alreadyDone.contains(i)) {
                todo.add(i);
            }
        }
        Map<Integer, OpenAiSample> out = new TreeMap<>();
        try {
            while (!todo.isEmpty()) {
                int want = Math.min(todo.size(), config.maxChoicesPerRequest());
                int firstIdx = todo.peekFirst();
                Outcome outcome = call(problem, want, requestSeed(seed, firstIdx));
                if (outcome.error() != null) {
                    LOG.warn("{}: problem {}: {}", name(), problem.problemId(), outcome.error());
                    failAll(todo, outcome.error(), out);
                    break;
                }
                List<Choice> choices = outcome.parsed().choices();
                int got = Math.min(choices.size(), want);
                if (got == 0) {
                    failAll(todo, "server returned no choices", out);
                    break;
                }
                if (got < want) {
                    LOG.debug(
                            "{}: problem {}: server returned {} of {} choices; asking again for the rest",
                            name(),
                            problem.problemId(),
                            got,
                            want);
                }
                List<OpenAiSample> rows = toSamples(todo, choices.subList(0, got), outcome.parsed());
                for (OpenAiSample r : rows) {
                    out.put(r.sampleIdx(), r);
                }
            }
        } catch (InterruptedException e) {
            // Keep the flag: a killed Spark task must still see that it was interrupted.
            Thread.currentThread().interrupt();
            failAll(todo, "interrupted", out);
        } catch (RuntimeException e) {
            // A bug here must not lose the rows of a whole partition; report it per sample instead.
            LOG.error("{}: problem {}: unexpected failure", name(), problem.problemId(), e);
            failAll(todo, reason("internal error: " + e), out);
        }
        return List.copyOf(out.values());
    }

    /** The request seed for a request whose first sample index is {@code firstIdx}; see the class doc. */
    static long requestSeed(long seed, int firstIdx) {
        return (seed + firstIdx) & 0x7fff_ffffL;
    }

    @Override
    public String toString() {
        return "OpenAiTeacher[model="
                + config.model()
                + ", endpoint="
                + endpoint
                + ", apiKey="
                + (apiKey == null ? "none" : ApiKey.REDACTED)
                + ", maxConcurrency="
                + config.maxConcurrency()
                + "]";
    }

    // ---------------------------------------------------------------------------------------------------

    /** A parsed response, or the one-line reason why there is none. */
    private record Outcome(Parsed parsed, String error) {}

    /** Takes the first {@code choices.size()} indices of {@code todo} and pairs them with the choices. */
    private static List<OpenAiSample> toSamples(Deque<Integer> todo, List<Choice> choices, Parsed parsed) {
        int[] tokens = shareTokens(choices, parsed.completionTokens());
        boolean estimated = tokens != null && choices.size() > 1;
        List<OpenAiSample> rows = new ArrayList<>(choices.size());
        for (int k = 0; k < choices.size(); k++) {
            int idx = todo.removeFirst();
            Choice c = choices.get(k);
            if (c.error() != null) {
                rows.add(OpenAiSample.failed(idx, c.error()));
                continue;
            }
            TeacherSample s =
                    new TeacherSample(idx, c.text(), c.finishReason(), c.text().length(), null);
            Integer ct = tokens == null ? null : tokens[k];
            rows.add(new OpenAiSample(s, parsed.promptTokens(), ct, estimated && ct != null));
        }
        return rows;
    }

    /**
     * Shares {@code total} completion tokens among the usable choices in proportion to their text length
     * (largest remainder, so the shares add up to {@code total}); failed choices get none. {@code null} when
     * the server sent no count.
     */
    static int[] shareTokens(List<Choice> choices, Integer total) {
        if (total == null) {
            return null;
        }
        int[] shares = new int[choices.size()];
        List<Integer> usable = new ArrayList<>();
        long weightSum = 0;
        for (int k = 0; k < choices.size(); k++) {
            if (choices.get(k).error() == null) {
                usable.add(k);
                weightSum += choices.get(k).text().length();
            }
        }
        if (usable.isEmpty()) {
            return shares;
        }
        double[] remainder = new double[choices.size()];
        long given = 0;
        for (int k : usable) {
            // All-empty texts (max_tokens spent on nothing printable) share equally.
            double exact = weightSum == 0
                    ? (double) total / usable.size()
                    : (double) total * choices.get(k).text().length() / weightSum;
            shares[k] = (int) Math.floor(exact);
            remainder[k] = exact - shares[k];
            given += shares[k];
        }
        // The floors leave fewer than usable.size() tokens over; they go to the largest remainders.
        usable.sort(Comparator.<Integer>comparingDouble(k -> -remainder[k]).thenComparingInt(k -> k));
        for (int j = 0; given < total; j++, given++) {
            shares[usable.get(j % usable.size())]++;
        }
        return shares;
    }

    private static void failAll(Deque<Integer> todo, String reason, Map<Integer, OpenAiSample> out) {
        while (!todo.isEmpty()) {
            int idx = todo.removeFirst();
            out.put(idx, OpenAiSample.failed(idx, reason));
        }
    }

    /** One request for {@code n} choices, with retries. */
    private Outcome call(Problem problem, int n, long seed) throws InterruptedException {
        HttpRequest request = request(problem, n, seed);
        for (int attempt = 1; ; attempt++) {
            LOG.debug(
                    "POST {} model={} n={} seed={} problem={} attempt {}/{}",
                    endpoint,
                    config.model(),
                    n,
                    seed,
                    problem.problemId(),
                    attempt,
                    config.maxAttempts());
            Attempt a = send(request);
            if (a instanceof Ok ok) {
                try {
                    return new Outcome(Responses.parse(json, ok.body(), config.mode(), config.responsePrefix()), null);
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
                    "{}: problem {}: {} (attempt {}/{}); retrying in {} ms",
                    name(),
                    problem.problemId(),
                    retry.reason(),
                    attempt,
                    config.maxAttempts(),
                    wait.toMillis());
            TimeUnit.NANOSECONDS.sleep(wait.toNanos());
        }
    }

    private HttpRequest request(Problem problem, int n, long seed) {
        ObjectNode body = json.createObjectNode();
        body.put("model", config.model());
        String prompt = config.render(problem.problem());
        if (config.mode() == Mode.CHAT) {
            ArrayNode messages = body.putArray("messages");
            if (config.systemPrompt() != null) {
                messages.addObject().put("role", "system").put("content", config.systemPrompt());
            }
            messages.addObject().put("role", "user").put("content", prompt);
        } else {
            body.put("prompt", prompt);
        }
        body.put("n", n);
        body.put("temperature", config.temperature());
        body.put("top_p", config.topP());
        body.put("max_tokens", config.maxTokens());
        if (config.sendSeed()) {
            body.put("seed", seed);
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

    /** One line, bounded, with the API key masked (servers may echo it, e.g. in a 401 message). */
    private String reason(String raw) {
        String s = apiKey == null ? raw : apiKey.redact(raw);
        s = s.replaceAll("\\s+", " ").strip();
        if (s.length() > MAX_REASON_CHARS) {
            s = s.substring(0, MAX_REASON_CHARS - 3) + "...";
        }
        return s;
    }
}
