package redispark.jobs.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import redispark.eval.Evaluator;
import redispark.teacher.openai.OpenAiClient;
import redispark.teacher.openai.OpenAiClientConfig;
import redispark.teacher.openai.Responses;
import redispark.verify.MathVerifier;

/**
 * A served model's answers to a Spark task's problems ({@code eval.backend = openai}), scored like a local model's:
 * one chat request per problem for all its samples (the request's {@code n}), asking again for any the server left
 * out. The executor's one client per server and model bounds the requests in flight ({@code
 * eval.openai.max-concurrency}); a task's problems are asked that many at a time.
 *
 * <p>A request that fails after its retries fails the task: an answer that is missing is neither right nor wrong,
 * and scoring it either way would skew pass@k. The seeds depend only on {@code eval.seed}, the problem and the
 * sample index, so a rerun asks the same questions and writes one row per problem and sample again.
 */
final class ServedAnswers {
    private static final ConcurrentMap<OpenAiClientConfig, OpenAiClient> CLIENTS = new ConcurrentHashMap<>();
    private static final AtomicInteger POOLS = new AtomicInteger();

    private ServedAnswers() {}

    /** {@code samples} scored answers per item, items in input order, each item's samples by index. */
    static List<Evaluator.Scored> of(OpenAiClientConfig server, List<Evaluator.Item> items, EvalConfig.Sampling s)
            throws InterruptedException {
        OpenAiClient client = CLIENTS.computeIfAbsent(server, OpenAiClient::new);
        int pool = POOLS.incrementAndGet();
        AtomicInteger thread = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(Math.min(items.size(), server.maxConcurrency()), r -> {
            Thread t = new Thread(r, "redi-eval-openai-" + pool + "-" + thread.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<List<Evaluator.Scored>>> answers = new ArrayList<>();
            for (Evaluator.Item item : items) {
                answers.add(threads.submit(() -> answer(client, item, s)));
            }
            List<Evaluator.Scored> out = new ArrayList<>(items.size() * s.samples());
            for (Future<List<Evaluator.Scored>> f : answers) {
                out.addAll(f.get());
            }
            return out;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException re ? re : new IllegalStateException(cause);
        } finally {
            threads.shutdownNow(); // on failure or a killed task: stop asking
        }
    }

    /** The seed of a problem's request whose first sample is {@code firstIdx}; the same for every model. */
    static long seed(long evalSeed, String problemId, int firstIdx) {
        return OpenAiClient.requestSeed(evalSeed * 31 + problemId.hashCode(), firstIdx);
    }

    private static List<Evaluator.Scored> answer(OpenAiClient client, Evaluator.Item item, EvalConfig.Sampling s)
            throws InterruptedException {
        List<Evaluator.Scored> out = new ArrayList<>(s.samples());
        String subject = "problem " + item.problemId();
        while (out.size() < s.samples()) {
            int first = out.size();
            OpenAiClient.Outcome got = client.complete(
                    new OpenAiClient.Request(
                            OpenAiClient.Mode.CHAT,
                            null,
                            item.problem(),
                            s.samples() - first,
                            s.temperature(),
                            s.topP(),
                            s.maxNewTokens(),
                            seed(s.seed(), item.problemId(), first),
                            ""),
                    subject);
            if (got.error() != null) {
                throw failure(client, item, got.error());
            }
            List<Responses.Choice> choices = got.parsed().choices();
            int[] tokens = got.parsed().completionTokenShares();
            if (choices.isEmpty()) {
                throw failure(client, item, "the server returned no choices");
            }
            if (tokens == null) {
                throw failure(client, item, "the server reported no usage.completion_tokens");
            }
            for (int k = 0; k < choices.size() && out.size() < s.samples(); k++) {
                Responses.Choice c = choices.get(k);
                if (c.error() != null) {
                    throw failure(client, item, c.error());
                }
                out.add(new Evaluator.Scored(
                        item.problemId(),
                        first + k,
                        c.text(),
                        c.finishReason(),
                        tokens[k],
                        MathVerifier.verify(c.text(), item.gold())));
            }
        }
        return out;
    }

    private static IllegalStateException failure(OpenAiClient client, Evaluator.Item item, String reason) {
        return new IllegalStateException("eval.openai: " + client.name() + " at "
                + client.config().baseUrl() + ", problem " + item.problemId() + ": " + reason);
    }
}
