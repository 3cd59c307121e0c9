package redispark.teacher.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on loopback (port 0) that speaks the OpenAI response format, scripted per request.
 * It records every request and the most requests it was working on at once. The tests of the teacher, of the
 * generate stage and of evaluation against a served model all use it (the jobs module through this module's
 * test jar).
 */
public final class FakeOpenAiServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A request as the server saw it. */
    public record Received(int number, String path, JsonNode body, String authorization, long atNanos) {
        public int n() {
            return body.path("n").asInt(1);
        }

        public long seed() {
            return body.path("seed").asLong();
        }

        /** The last chat message's content, or the raw prompt of a /completions request. */
        public String prompt() {
            JsonNode messages = body.path("messages");
            return messages.isArray() && !messages.isEmpty()
                    ? messages.get(messages.size() - 1).path("content").asText()
                    : body.path("prompt").asText();
        }
    }

    /** A reply header that makes the server send the body chunked, with no Content-Length (not sent itself). */
    public static final String CHUNKED = "X-Fake-Chunked";

    /** What to answer, after {@code delayMillis}. */
    public record Reply(int status, Map<String, String> headers, String body, long delayMillis) {
        public static Reply ok(String body) {
            return new Reply(200, Map.of(), body, 0);
        }

        public static Reply status(int status, String body) {
            return new Reply(status, Map.of(), body, 0);
        }

        /** An OpenAI error body: {@code {"error": {"message": ...}}}. */
        public static Reply error(int status, String message) {
            ObjectNode root = JSON.createObjectNode();
            root.putObject("error").put("message", message);
            return status(status, root.toString());
        }

        public Reply withHeader(String name, String value) {
            var h = new java.util.HashMap<>(headers);
            h.put(name, value);
            return new Reply(status, Map.copyOf(h), body, delayMillis);
        }

        public Reply after(long millis) {
            return new Reply(status, headers, body, millis);
        }
    }

    /** Decides the reply to the {@code number}-th request (0-based). */
    public interface Script {
        Reply reply(Received request);
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private volatile Script script;
    private final List<Received> received = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger counter = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();

    public FakeOpenAiServer(Script script) throws IOException {
        this.script = script;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        // Many handler threads, so that a client breaking its concurrency limit would be seen.
        server.setExecutor(executor);
        server.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** Answers the requests from now on with {@code next}. */
    public void script(Script next) {
        this.script = next;
    }

    public List<Received> requests() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    /** Forgets the requests seen so far and the most in flight. */
    public void clear() {
        received.clear();
        maxInFlight.set(0);
    }

    public int maxInFlight() {
        return maxInFlight.get();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        boolean counted = true;
        try {
            JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
            Received r = new Received(
                    counter.getAndIncrement(),
                    exchange.getRequestURI().getPath(),
                    body,
                    exchange.getRequestHeaders().getFirst("Authorization"),
                    System.nanoTime());
            received.add(r);
            Reply reply = script.reply(r);
            if (reply.delayMillis() > 0) {
                Thread.sleep(reply.delayMillis());
            }
            // Leave the in-flight count before writing: once the client has the bytes it may start its next
            // request, and that must not be counted as overlapping with this one.
            inFlight.decrementAndGet();
            counted = false;
            boolean chunked = reply.headers().containsKey(CHUNKED);
            reply.headers().forEach((k, v) -> {
                if (!k.equals(CHUNKED)) {
                    exchange.getResponseHeaders().add(k, v);
                }
            });
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(reply.status(), chunked ? 0 : bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream os = exchange.getResponseBody()) {
                    os.write(bytes);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // The client gave up (timeout) before the answer; nothing to do.
        } finally {
            if (counted) {
                inFlight.decrementAndGet();
            }
            exchange.close();
        }
    }

    // ---- response bodies -------------------------------------------------------------------------------

    /** The text the default answer puts into choice {@code k} of a request with {@code seed}. */
    public static String text(long seed, int k) {
        return "<think>\nseed " + seed + " choice " + k + "\n</think>\nThe final answer is \\boxed{" + k + "}.";
    }

    /** A chat.completion with {@code count} choices of {@link #text}; usage 10 prompt + 7 per choice. */
    public static String chat(long seed, int count) {
        List<String> texts = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            texts.add(text(seed, k));
        }
        return chat(texts, Collections.nCopies(count, "stop"), 10, 7 * count);
    }

    public static String chat(List<String> texts, List<String> finishReasons, int promptTokens, int completionTokens) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", "chatcmpl-test").put("object", "chat.completion").put("model", "test-model");
        ArrayNode choices = root.putArray("choices");
        for (int k = 0; k < texts.size(); k++) {
            ObjectNode c = choices.addObject();
            c.put("index", k);
            c.putObject("message").put("role", "assistant").put("content", texts.get(k));
            c.put("finish_reason", finishReasons.get(k));
        }
        root.putObject("usage")
                .put("prompt_tokens", promptTokens)
                .put("completion_tokens", completionTokens)
                .put("total_tokens", promptTokens + completionTokens);
        return root.toString();
    }

    /** A text_completion (the /completions format). */
    public static String completion(
            List<String> texts, List<String> finishReasons, int promptTokens, int completionTokens) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", "cmpl-test").put("object", "text_completion").put("model", "test-model");
        ArrayNode choices = root.putArray("choices");
        for (int k = 0; k < texts.size(); k++) {
            choices.addObject().put("index", k).put("text", texts.get(k)).put("finish_reason", finishReasons.get(k));
        }
        root.putObject("usage").put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens);
        return root.toString();
    }

    /** The well-behaved server: n choices for the requested n. */
    public static Reply answer(Received r) {
        return Reply.ok(chat(r.seed(), r.n()));
    }
}
