package redispark.jobs.generate;

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
 * A real HTTP server on loopback (port 0) that answers in the OpenAI chat.completion format, scripted per request.
 * It records every request and the most requests it was working on at once.
 */
final class LoopbackOpenAiServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A request as the server saw it: the user message and the n asked for. */
    record Received(String prompt, int n, long seed) {}

    /** What to answer, after {@code delayMillis}. */
    record Reply(int status, Map<String, String> headers, String body, long delayMillis) {
        static Reply ok(Received r) {
            return new Reply(200, Map.of(), chat(r), 0);
        }

        static Reply status(int status, String message) {
            return new Reply(status, Map.of(), "{\"error\":{\"message\":\"" + message + "\"}}", 0);
        }

        Reply after(long millis) {
            return new Reply(status, headers, body, millis);
        }

        Reply withHeader(String name, String value) {
            var h = new java.util.HashMap<>(headers);
            h.put(name, value);
            return new Reply(status, Map.copyOf(h), body, delayMillis);
        }
    }

    interface Script {
        Reply reply(Received request);
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private volatile Script script;
    private final List<Received> received = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();

    LoopbackOpenAiServer(Script script) throws IOException {
        this.script = script;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    void script(Script next) {
        this.script = next;
    }

    List<Received> requests() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    void clear() {
        received.clear();
        maxInFlight.set(0);
    }

    int maxInFlight() {
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
            JsonNode messages = body.path("messages");
            Received r = new Received(
                    messages.get(messages.size() - 1).path("content").asText(),
                    body.path("n").asInt(1),
                    body.path("seed").asLong());
            received.add(r);
            Reply reply = script.reply(r);
            if (reply.delayMillis() > 0) {
                Thread.sleep(reply.delayMillis());
            }
            inFlight.decrementAndGet();
            counted = false;
            reply.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(reply.status(), bytes.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(bytes);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the client gave up (timeout) before the answer
        } finally {
            if (counted) {
                inFlight.decrementAndGet();
            }
            exchange.close();
        }
    }

    /** The text of choice {@code k} of a request. */
    static String text(Received r, int k) {
        return "<think>\nseed " + r.seed() + " choice " + k + "\n</think>\nThe final answer is \\boxed{" + k + "}.";
    }

    /** A chat.completion with n choices; usage: 10 prompt tokens, 7 completion tokens per choice. */
    static String chat(Received r) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", "chatcmpl-test").put("object", "chat.completion").put("model", "test-model");
        ArrayNode choices = root.putArray("choices");
        for (int k = 0; k < r.n(); k++) {
            ObjectNode c = choices.addObject();
            c.put("index", k);
            c.putObject("message").put("role", "assistant").put("content", text(r, k));
            c.put("finish_reason", "stop");
        }
        root.putObject("usage")
                .put("prompt_tokens", 10)
                .put("completion_tokens", 7 * r.n())
                .put("total_tokens", 10 + 7 * r.n());
        return root.toString();
    }
}
