package redispark.teacher.openai;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redispark.teacher.Problem;
import redispark.teacher.Teacher;
import redispark.teacher.TeacherSample;
import redispark.teacher.openai.OpenAiClient.Outcome;
import redispark.teacher.openai.Responses.Choice;
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
 * <p>Requests, retries and the key go through the teacher's {@link OpenAiClient}. <b>The API key</b> is sent
 * as {@code Authorization: Bearer ...} and appears in no log line, exception, error row or {@code
 * toString()}; error text that quotes server output has the key masked.
 */
public final class OpenAiTeacher implements Teacher {

    private static final Logger LOG = LoggerFactory.getLogger(OpenAiTeacher.class);

    private final OpenAiTeacherConfig config;
    private final OpenAiClient client;

    /** A teacher whose API key (if the config names one) comes from the process environment or a file. */
    public OpenAiTeacher(OpenAiTeacherConfig config) {
        this(config, System::getenv);
    }

    /** As {@link #OpenAiTeacher(OpenAiTeacherConfig)} with an explicit environment (tests). */
    OpenAiTeacher(OpenAiTeacherConfig config, Function<String, String> getenv) {
        this.config = Objects.requireNonNull(config, "config");
        this.client = new OpenAiClient(config.client(), getenv);
    }

    public OpenAiTeacherConfig config() {
        return config;
    }

    @Override
    public String name() {
        return client.name();
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
        Deque<Integer> unanswered = new ArrayDeque<>();
        for (int i = 0; i < n; i++) {
            if (!alreadyDone.contains(i)) {
                unanswered.add(i);
            }
        }
        Map<Integer, OpenAiSample> out = new TreeMap<>();
        try {
            while (!unanswered.isEmpty()) {
                int want = Math.min(unanswered.size(), config.maxChoicesPerRequest());
                int firstIdx = unanswered.peekFirst();
                Outcome outcome =
                        client.complete(request(problem, want, seed, firstIdx), "problem " + problem.problemId());
                if (outcome.error() != null) {
                    LOG.warn("{}: problem {}: {}", name(), problem.problemId(), outcome.error());
                    failAll(unanswered, outcome.error(), out);
                    break;
                }
                List<Choice> choices = outcome.parsed().choices();
                int got = Math.min(choices.size(), want);
                if (got == 0) {
                    failAll(unanswered, "server returned no choices", out);
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
                List<OpenAiSample> rows = toSamples(unanswered, choices.subList(0, got), outcome.parsed());
                for (OpenAiSample r : rows) {
                    out.put(r.sampleIdx(), r);
                }
            }
        } catch (InterruptedException e) {
            // Keep the flag: a killed Spark task must still see that it was interrupted.
            Thread.currentThread().interrupt();
            failAll(unanswered, "interrupted", out);
        } catch (RuntimeException e) {
            // A bug here must not lose the rows of a whole partition; report it per sample instead.
            LOG.error("{}: problem {}: unexpected failure", name(), problem.problemId(), e);
            failAll(unanswered, client.reason("internal error: " + e), out);
        }
        return List.copyOf(out.values());
    }

    @Override
    public String toString() {
        return "OpenAiTeacher[" + client + "]";
    }

    // ---------------------------------------------------------------------------------------------------

    /** Takes the first {@code choices.size()} indices of {@code unanswered} and pairs them with the choices. */
    private static List<OpenAiSample> toSamples(Deque<Integer> unanswered, List<Choice> choices, Parsed parsed) {
        int[] tokens = Responses.shareTokens(choices, parsed.completionTokens());
        boolean estimated = tokens != null && choices.size() > 1;
        List<OpenAiSample> rows = new ArrayList<>(choices.size());
        for (int k = 0; k < choices.size(); k++) {
            int idx = unanswered.removeFirst();
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

    private static void failAll(Deque<Integer> unanswered, String reason, Map<Integer, OpenAiSample> out) {
        while (!unanswered.isEmpty()) {
            int idx = unanswered.removeFirst();
            out.put(idx, OpenAiSample.failed(idx, reason));
        }
    }

    /** The request for {@code n} choices of {@code problem} whose first sample index is {@code firstIdx}. */
    private OpenAiClient.Request request(Problem problem, int n, long seed, int firstIdx) {
        return new OpenAiClient.Request(
                config.mode(),
                config.systemPrompt(),
                config.render(problem.problem()),
                n,
                config.temperature(),
                config.topP(),
                config.maxTokens(),
                config.sendSeed() ? OpenAiClient.requestSeed(seed, firstIdx) : null,
                config.responsePrefix());
    }
}
