package redispark.teacher.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redispark.teacher.Problem;
import redispark.teacher.TeacherSample;
import redispark.teacher.openai.FakeOpenAiServer.Received;
import redispark.teacher.openai.FakeOpenAiServer.Reply;
import redispark.teacher.openai.OpenAiClient.Mode;

/**
 * Runs the teacher against a real HTTP server on loopback. Timeouts and back-offs are tens of
 * milliseconds so the class finishes in a few seconds.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class OpenAiTeacherTest {

    private static final Problem PROBLEM = new Problem("p-1", "What is 2 + 3?", "5", "test", 1);
    private static final String KEY = "sk-test-7f3a9c1e5b2d";

    /** Test settings; tests change the fields they care about. */
    private static final class Cfg {
        String baseUrl;
        Mode mode = Mode.CHAT;
        String systemPrompt;
        String template = OpenAiTeacherConfig.R1_TEMPLATE;
        String responsePrefix = "";
        int maxChoicesPerRequest = 16;
        Duration requestTimeout = Duration.ofSeconds(2);
        int maxAttempts = 3;
        Duration initialBackoff = Duration.ofMillis(20);
        Duration maxBackoff = Duration.ofMillis(200);
        String apiKeyEnv;
        String apiKeyFile;
        int maxConcurrency = 4;
        long maxResponseBytes = OpenAiClientConfig.DEFAULT_MAX_RESPONSE_BYTES;

        Cfg(FakeOpenAiServer server) {
            this.baseUrl = server.baseUrl();
        }

        OpenAiTeacherConfig build() {
            return new OpenAiTeacherConfig(
                    new OpenAiClientConfig(
                            baseUrl,
                            "test-model",
                            Duration.ofSeconds(1),
                            requestTimeout,
                            maxAttempts,
                            initialBackoff,
                            maxBackoff,
                            apiKeyEnv,
                            apiKeyFile,
                            maxConcurrency,
                            maxResponseBytes),
                    mode,
                    systemPrompt,
                    template,
                    responsePrefix,
                    0.6,
                    0.95,
                    64,
                    maxChoicesPerRequest,
                    true);
        }

        OpenAiTeacher teacher() {
            return new OpenAiTeacher(build(), name -> "TEACHER_KEY".equals(name) ? KEY : null);
        }
    }

    // ---- normal answers --------------------------------------------------------------------------------

    @Test
    void returnsNChoicesFromOneChatRequest() throws Exception {
        try (var server = new FakeOpenAiServer(FakeOpenAiServer::answer)) {
            Cfg cfg = new Cfg(server);
            cfg.systemPrompt = "You are a careful mathematician.";
            List<OpenAiSample> rows = cfg.teacher().sampleWithUsage(PROBLEM, 4, 100, Set.of());

            assertExactlyIndices(rows, 0, 1, 2, 3);
            assertThat(rows).allSatisfy(r -> assertThat(r.failed()).isFalse());
            for (int k = 0; k < 4; k++) {
                TeacherSample s = rows.get(k).sample();
                assertThat(s.text()).isEqualTo(FakeOpenAiServer.text(100, k));
                assertThat(s.finishReason()).isEqualTo(TeacherSample.STOP);
                assertThat(s.completionChars()).isEqualTo(s.text().length());
                assertThat(rows.get(k).promptTokens()).isEqualTo(10);
            }
            // Usage is per response: the four shares add up to the server's count and are marked estimated.
            assertThat(rows.stream().mapToInt(OpenAiSample::completionTokens).sum())
                    .isEqualTo(28);
            assertThat(rows)
                    .allSatisfy(r -> assertThat(r.completionTokensEstimated()).isTrue());

            assertThat(server.requests()).hasSize(1);
            Received r = server.requests().get(0);
            assertThat(r.path()).isEqualTo("/v1/chat/completions");
            assertThat(r.body().path("model").asText()).isEqualTo("test-model");
            assertThat(r.n()).isEqualTo(4);
            assertThat(r.seed()).isEqualTo(100);
            assertThat(r.body().path("temperature").asDouble()).isEqualTo(0.6);
            assertThat(r.body().path("top_p").asDouble()).isEqualTo(0.95);
            assertThat(r.body().path("max_tokens").asInt()).isEqualTo(64);
            var messages = r.body().path("messages");
            assertThat(messages).hasSize(2);
            assertThat(messages.get(0).path("role").asText()).isEqualTo("system");
            assertThat(messages.get(0).path("content").asText()).isEqualTo("You are a careful mathematician.");
            assertThat(messages.get(1).path("role").asText()).isEqualTo("user");
            assertThat(messages.get(1).path("content").asText())
                    .isEqualTo(
                            "You will be given a problem. Please reason step by step, and put your final answer within"
                                    + " \\boxed{}:\nWhat is 2 + 3?");
            // No key configured: no Authorization header.
            assertThat(r.authorization()).isNull();
        }
    }

    @Test
    void completionsModeSendsRawPromptAndReadsTextWithFinishReasonsAndExactUsage() throws Exception {
        try (var server = new FakeOpenAiServer(
                r -> Reply.ok(FakeOpenAiServer.completion(List.of("Okay, 2 + 3"), List.of("length"), 12, 64)))) {
            Cfg cfg = new Cfg(server);
            cfg.mode = Mode.COMPLETIONS;
            cfg.template = "<|im_start|>user\n{problem}<|im_end|>\n<|im_start|>assistant\n<think>\n";
            cfg.responsePrefix = "<think>\n";
            List<OpenAiSample> rows = cfg.teacher().sampleWithUsage(PROBLEM, 1, 5, Set.of());

            assertExactlyIndices(rows, 0);
            TeacherSample s = rows.get(0).sample();
            assertThat(s.text()).isEqualTo("<think>\nOkay, 2 + 3");
            assertThat(s.finishReason()).isEqualTo(TeacherSample.LENGTH);
            assertThat(rows.get(0).promptTokens()).isEqualTo(12);
            assertThat(rows.get(0).completionTokens()).isEqualTo(64);
            assertThat(rows.get(0).completionTokensEstimated()).isFalse();

            Received r = server.requests().get(0);
            assertThat(r.path()).isEqualTo("/v1/completions");
            assertThat(r.body().has("messages")).isFalse();
            assertThat(r.body().path("prompt").asText())
                    .isEqualTo("<|im_start|>user\nWhat is 2 + 3?<|im_end|>\n<|im_start|>assistant\n<think>\n");
        }
    }

    @Test
    void reasoningContentIsPutBackIntoThinkTags() throws Exception {
        String body = "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"reasoning_content\":\"2+3=5\","
                + "\"content\":\"The answer is \\\\boxed{5}.\"},\"finish_reason\":\"stop\"}]}";
        try (var server = new FakeOpenAiServer(r -> Reply.ok(body))) {
            Cfg cfg = new Cfg(server);
            // The prefix is already there, so it is not doubled.
            cfg.responsePrefix = "<think>\n";
            List<OpenAiSample> rows = cfg.teacher().sampleWithUsage(PROBLEM, 1, 0, Set.of());

            assertThat(rows.get(0).sample().text()).isEqualTo("<think>\n2+3=5\n</think>\n\nThe answer is \\boxed{5}.");
            // No usage in the body: unknown, not zero.
            assertThat(rows.get(0).promptTokens()).isNull();
            assertThat(rows.get(0).completionTokens()).isNull();
        }
    }

    @Test
    void unusableFinishReasonFailsOnlyThatChoice() throws Exception {
        String body = FakeOpenAiServer.chat(List.of("fine", "filtered"), List.of("stop", "content_filter"), 10, 20);
        try (var server = new FakeOpenAiServer(r -> Reply.ok(body))) {
            List<OpenAiSample> rows = new Cfg(server).teacher().sampleWithUsage(PROBLEM, 2, 0, Set.of());

            assertExactlyIndices(rows, 0, 1);
            assertThat(rows.get(0).sample().text()).isEqualTo("fine");
            assertThat(rows.get(0).completionTokens()).isEqualTo(20);
            assertThat(rows.get(1).sample().error()).contains("content_filter");
            assertThat(rows.get(1).sample().text()).isEmpty();
            assertThat(server.requests()).hasSize(1);
        }
    }

    @Test
    void sampleReturnsTheSamplesOfSampleWithUsage() throws Exception {
        try (var server = new FakeOpenAiServer(FakeOpenAiServer::answer)) {
            OpenAiTeacher teacher = new Cfg(server).teacher();
            List<TeacherSample> samples = teacher.sample(PROBLEM, 3, 9);
            List<OpenAiSample> rows = teacher.sampleWithUsage(PROBLEM, 3, 9, Set.of());

            assertThat(samples)
                    .isEqualTo(rows.stream().map(OpenAiSample::sample).toList());
            assertThat(teacher.name()).isEqualTo("openai:test-model");
        }
    }

    // ---- retries ---------------------------------------------------------------------------------------

    @Test
    void retriesAfter429UntilSuccess() throws Exception {
        try (var server = new FakeOpenAiServer(r -> r.number() < 2
                ? Reply.status(429, "{\"error\":{\"message\":\"slow down\"}}")
                : FakeOpenAiServer.answer(r))) {
            Cfg cfg = new Cfg(server);
            cfg.initialBackoff = Duration.ofMillis(40);
            List<OpenAiSample> rows = cfg.teacher().sampleWithUsage(PROBLEM, 2, 1, Set.of());

            assertExactlyIndices(rows, 0, 1);
            assertThat(rows).allSatisfy(r -> assertThat(r.failed()).isFalse());
            List<Received> reqs = server.requests();
            assertThat(reqs).hasSize(3);
            // Back-off without Retry-After: at least half of 40 ms, then at least half of 80 ms.
            assertThat(millisBetween(reqs.get(0), reqs.get(1))).isGreaterThanOrEqualTo(19);
            assertThat(millisBetween(reqs.get(1), reqs.get(2))).isGreaterThanOrEqualTo(39);
            // A retry repeats the request exactly.
            assertThat(reqs.get(2).body()).isEqualTo(reqs.get(0).body());
        }
    }

    @Test
    void honoursRetryAfterOn429() throws Exception {
        try (var server = new FakeOpenAiServer(r ->
                r.number() == 0 ? Reply.status(429, "").withHeader("Retry-After", "1") : FakeOpenAiServer.answer(r))) {
            Cfg cfg = new Cfg(server);
            cfg.maxBackoff = Duration.ofSeconds(2);
            List<OpenAiSample> rows = cfg.teacher().sampleWithUsage(PROBLEM, 1, 1, Set.of());

            assertThat(rows.get(0).failed()).isFalse();
            List<Received> reqs = server.requests();
            assertThat(reqs).hasSize(2);
            // The back-off alone would be ~20 ms; the server asked for a second.
            assertThat(millisBetween(reqs.get(0), reqs.get(1))).isGreaterThanOrEqualTo(950);
        }
    }

    @Test
    void retryAfterLongerThanMaxBackoffFailsAtOnce() throws Exception {
        try (var server = new FakeOpenAiServer(r -> Reply.status(429, "").withHeader("Retry-After", "3600"))) {
            List<OpenAiSample> rows = new Cfg(server).teacher().sampleWithUsage(PROBLEM, 2, 1, Set.of());

            assertExactlyIndices(rows, 0, 1);
            assertThat(rows).allSatisfy(r -> assertThat(r.sample().error()).contains("HTTP 429", "retry after"));
            assertThat(server.requests()).hasSize(1);
        }
    }

    @Test
    void retriesAfter500UntilSuccess() throws Exception {
        try (var server = new FakeOpenAiServer(r -> r.number() == 0
                ? Reply.status(500, "<html>Internal Server Error</html>")
                : FakeOpenAiServer.answer(r))) {
            List<OpenAiSample> rows = new Cfg(server).teacher().sampleWithUsage(PROBLEM, 3, 1, Set.of());

            assertExactlyIndices(rows, 0, 1, 2);
            assertThat(rows).allSatisfy(r -> assertThat(r.failed()).isFalse());
            assertThat(server.requests()).hasSize(2);
        }
    }

    @Test
    void persistent503BecomesErrorRowsAfterMaxAttempts() throws Exception {
        try (var server = new FakeOpenAiServer(r -> Reply.status(503, "{\"error\":\"overloaded\"}"))) {
            List<OpenAiSample> rows = new Cfg(server).teacher().sampleWithUsage(PROBLEM, 3, 1, Set.of());

            assertExactlyIndices(rows, 0, 1, 2);
            assertThat(rows).allSatisfy(r -> {
                assertThat(r.sample().error()).isEqualTo("HTTP 503: overloaded (gave up after 3 attempts)");
                assertThat(r.sample().text()).isEmpty();
                assertThat(r.promptTokens()).isNull();
            });
            assertThat(server.requests()).hasSize(3);
        }
    }

    @Test
    void retriesAfterTimeoutUntilSuccess() throws Exception {
        try (var server = new FakeOpenAiServer(
                r -> r.number() == 0 ? FakeOpenAiServer.answer(r).after(1_500) : FakeOpenAiServer.answer(r))) {
            Cfg cfg = new Cfg(server);
            cfg.requestTimeout = Duration.ofMillis(250);
            List<OpenAiSample> rows = cfg.teacher().sampleWithUsage(PROBLEM, 2, 3, Set.of());

            assertExactlyIndices(rows, 0, 1);
            assertThat(rows).allSatisfy(r -> assertThat(r.failed()).isFalse());
            assertThat(server.requests()).hasSize(2);
        }
    }

    @Test
    void persistentTimeoutBecomesErrorRows() throws Exception {
        try (var server = new FakeOpenAiServer(r -> FakeOpenAiServer.answer(r).after(1_500))) {
            Cfg cfg = new Cfg(server);
            cfg.requestTimeout = Duration.ofMillis(200);
            cfg.maxAttempts = 2;
            List<OpenAiSample> rows = cfg.teacher().sampleWithUsage(PROBLEM, 2, 3, Set.of());

            assertExactlyIndices(rows, 0, 1);
            assertThat(rows)
                    .allSatisfy(r -> assertThat(r.sample().error()).contains("timed out", "gave up after 2 attempts"));
            assertThat(server.requests()).hasSize(2);
        }
    }

    @Test
    void connectionRefusedBecomesErrorRowsAfterRetries() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (var server = new FakeOpenAiServer(FakeOpenAiServer::answer)) {
            Cfg cfg = new Cfg(server);
            cfg.baseUrl = "http://127.0.0.1:" + closedPort + "/v1";
            cfg.maxAttempts = 2;
            List<OpenAiSample> rows = cfg.teacher().sampleWithUsage(PROBLEM, 2, 0, Set.of());

            assertExactlyIndices(rows, 0, 1);
            assertThat(rows)
                    .allSatisfy(r -> assertThat(r.sample().error()).contains("connect", "gave up after 2 attempts"));
        }
    }

    // ---- short answers, bad answers --------------------------------------------------------------------

    @Test
    void asksAgainForChoicesTheServerLeftOut() throws Exception {
        // Like hosted APIs that ignore n: one choice per response whatever was asked.
        try (var server = new FakeOpenAiServer(r -> Reply.ok(FakeOpenAiServer.chat(r.seed(), 1)))) {
            List<OpenAiSample> rows = new Cfg(server).teacher().sampleWithUsage(PROBLEM, 3, 40, Set.of());

            assertExactlyIndices(rows, 0, 1, 2);
            assertThat(rows).allSatisfy(r -> assertThat(r.failed()).isFalse());
            List<Received> reqs = server.requests();
            assertThat(reqs).extracting(Received::n).containsExactly(3, 2, 1);
            // Each follow-up gets the seed of its first index, so it does not repeat the earlier answer.
            assertThat(reqs).extracting(Received::seed).containsExactly(40L, 41L, 42L);
            for (int k = 0; k < 3; k++) {
                assertThat(rows.get(k).sample().text()).isEqualTo(FakeOpenAiServer.text(40 + k, 0));
                // One choice per response: the usage is exact.
                assertThat(rows.get(k).completionTokens()).isEqualTo(7);
                assertThat(rows.get(k).completionTokensEstimated()).isFalse();
            }
        }
    }

    @Test
    void splitsLargeNIntoRequestsOfAtMostMaxChoicesPerRequest() throws Exception {
        try (var server = new FakeOpenAiServer(FakeOpenAiServer::answer)) {
            Cfg cfg = new Cfg(server);
            cfg.maxChoicesPerRequest = 4;
            List<OpenAiSample> rows = cfg.teacher().sampleWithUsage(PROBLEM, 10, 0, Set.of());

            assertExactlyIndices(rows, IntStream.range(0, 10).toArray());
            assertThat(server.requests()).extracting(Received::n).containsExactly(4, 4, 2);
            assertThat(server.requests()).extracting(Received::seed).containsExactly(0L, 4L, 8L);
        }
    }

    @Test
    void serverReturningNoChoicesGivesErrorRows() throws Exception {
        try (var server = new FakeOpenAiServer(r -> Reply.ok("{\"choices\":[]}"))) {
            List<OpenAiSample> rows = new Cfg(server).teacher().sampleWithUsage(PROBLEM, 2, 0, Set.of());

            assertExactlyIndices(rows, 0, 1);
            assertThat(rows).allSatisfy(r -> assertThat(r.sample().error()).isEqualTo("server returned no choices"));
            assertThat(server.requests()).hasSize(1);
        }
    }

    @Test
    void malformedBodyBecomesErrorRowsWithoutRetry() throws Exception {
        try (var server = new FakeOpenAiServer(r -> Reply.ok("{\"choices\": [{\"index\": 0, "))) {
            List<OpenAiSample> rows = new Cfg(server).teacher().sampleWithUsage(PROBLEM, 3, 0, Set.of());

            assertExactlyIndices(rows, 0, 1, 2);
            assertThat(rows).allSatisfy(r -> {
                assertThat(r.sample().error()).startsWith("malformed JSON in response");
                assertThat(r.sample().error()).doesNotContain("\n");
                assertThat(r.sample().text()).isEmpty();
            });
            assertThat(server.requests()).hasSize(1);
        }
    }

    @Test
    void unauthorizedIsNotRetriedAndBecomesErrorRows() throws Exception {
        // OpenAI's 401 quotes the key it was given; the row must not.
        String body = "{\"error\":{\"message\":\"Incorrect API key provided: " + KEY + ".\"}}";
        try (var server = new FakeOpenAiServer(r -> Reply.status(401, body))) {
            Cfg cfg = new Cfg(server);
            cfg.apiKeyEnv = "TEACHER_KEY";
            List<OpenAiSample> rows = cfg.teacher().sampleWithUsage(PROBLEM, 2, 0, Set.of());

            assertExactlyIndices(rows, 0, 1);
            assertThat(rows).allSatisfy(r -> {
                assertThat(r.sample().error()).startsWith("HTTP 401: Incorrect API key provided: ");
                assertThat(r.sample().error()).doesNotContain(KEY);
            });
            assertThat(server.requests()).hasSize(1);
        }
    }

    // ---- reruns ----------------------------------------------------------------------------------------

    @Test
    void rerunRequestsOnlyTheMissingIndices() throws Exception {
        try (var server = new FakeOpenAiServer(FakeOpenAiServer::answer)) {
            List<OpenAiSample> rows = new Cfg(server).teacher().sampleWithUsage(PROBLEM, 4, 20, Set.of(0, 2));

            assertExactlyIndices(rows, 1, 3);
            assertThat(server.requests()).hasSize(1);
            assertThat(server.requests().get(0).n()).isEqualTo(2);
            assertThat(server.requests().get(0).seed()).isEqualTo(21);
        }
    }

    @Test
    void rerunWithEverythingDoneSendsNoRequest() throws Exception {
        try (var server = new FakeOpenAiServer(FakeOpenAiServer::answer)) {
            List<OpenAiSample> rows = new Cfg(server).teacher().sampleWithUsage(PROBLEM, 3, 0, Set.of(0, 1, 2, 7));

            assertThat(rows).isEmpty();
            assertThat(server.requests()).isEmpty();
        }
    }

    @Test
    void rerunAfterPartialFailureFillsTheGapWithoutDuplicates() throws Exception {
        // First run: one choice per response, and the server dies after the first response.
        try (var server = new FakeOpenAiServer(
                r -> r.number() == 0 ? Reply.ok(FakeOpenAiServer.chat(r.seed(), 1)) : Reply.status(400, "bad"))) {
            Cfg cfg = new Cfg(server);
            List<OpenAiSample> first = cfg.teacher().sampleWithUsage(PROBLEM, 3, 0, Set.of());
            assertExactlyIndices(first, 0, 1, 2);
            assertThat(first.get(0).failed()).isFalse();
            assertThat(first.subList(1, 3))
                    .allSatisfy(r -> assertThat(r.failed()).isTrue());

            // The caller keeps only the successes and reruns.
            Set<Integer> done = Set.of(0);
            try (var healthy = new FakeOpenAiServer(FakeOpenAiServer::answer)) {
                Cfg again = new Cfg(healthy);
                List<OpenAiSample> second = again.teacher().sampleWithUsage(PROBLEM, 3, 0, done);
                assertExactlyIndices(second, 1, 2);
                assertThat(healthy.requests()).extracting(Received::n).containsExactly(2);
            }
        }
    }

    // ---- the API key -----------------------------------------------------------------------------------

    @Test
    void sendsApiKeyFromFileAsBearerButNeverExposesIt(@TempDir Path dir) throws Exception {
        Path keyFile = dir.resolve("key.txt");
        Files.writeString(keyFile, KEY + "\n");
        String echo = "{\"error\":{\"message\":\"bad gateway for key " + KEY + "\"}}";
        try (var log = new LogCapture(OpenAiTeacher.class);
                var clientLog = new LogCapture(OpenAiClient.class);
                var server = new FakeOpenAiServer(
                        r -> r.number() == 0 ? FakeOpenAiServer.answer(r) : Reply.status(502, echo))) {
            Cfg cfg = new Cfg(server);
            cfg.apiKeyFile = keyFile.toString();
            cfg.maxAttempts = 2;
            OpenAiTeacher teacher = cfg.teacher();

            List<OpenAiSample> ok = teacher.sampleWithUsage(PROBLEM, 1, 0, Set.of());
            List<OpenAiSample> failed = teacher.sampleWithUsage(PROBLEM, 1, 0, Set.of());

            assertThat(server.requests())
                    .allSatisfy(r -> assertThat(r.authorization()).isEqualTo("Bearer " + KEY));
            assertThat(ok.get(0).failed()).isFalse();
            assertThat(failed.get(0).sample().error())
                    .contains("HTTP 502", ApiKey.REDACTED)
                    .doesNotContain(KEY);
            assertThat(teacher.toString()).doesNotContain(KEY).contains(ApiKey.REDACTED);
            assertThat(teacher.config().toString()).doesNotContain(KEY);
            assertThat(log.lines()).isNotEmpty();
            assertThat(log.lines()).allSatisfy(line -> assertThat(line).doesNotContain(KEY));
            // the retry of the 502 logs the server's message, key masked
            assertThat(clientLog.lines()).anySatisfy(line -> assertThat(line).contains("HTTP 502"));
            assertThat(clientLog.lines()).allSatisfy(line -> assertThat(line).doesNotContain(KEY));
        }
    }

    @Test
    void readsApiKeyFromTheEnvironmentVariableTheConfigNames() throws Exception {
        try (var server = new FakeOpenAiServer(FakeOpenAiServer::answer)) {
            Cfg cfg = new Cfg(server);
            cfg.apiKeyEnv = "TEACHER_KEY";
            cfg.teacher().sampleWithUsage(PROBLEM, 1, 0, Set.of());

            assertThat(server.requests().get(0).authorization()).isEqualTo("Bearer " + KEY);
        }
    }

    @Test
    void missingOrBadKeyFailsAtConstructionNamingTheSourceNotTheValue(@TempDir Path dir) throws Exception {
        try (var server = new FakeOpenAiServer(FakeOpenAiServer::answer)) {
            Cfg unset = new Cfg(server);
            unset.apiKeyEnv = "NO_SUCH_KEY_VAR";
            assertThatThrownBy(unset::teacher)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("apiKeyEnv")
                    .hasMessageContaining("NO_SUCH_KEY_VAR");

            Cfg missingFile = new Cfg(server);
            missingFile.apiKeyFile = dir.resolve("absent.txt").toString();
            assertThatThrownBy(missingFile::teacher)
                    .hasMessageContaining("apiKeyFile")
                    .hasMessageContaining("absent.txt");

            Path spaced = dir.resolve("spaced.txt");
            Files.writeString(spaced, "sk-abc def-secret");
            Cfg badFile = new Cfg(server);
            badFile.apiKeyFile = spaced.toString();
            assertThatThrownBy(badFile::teacher)
                    .hasMessageContaining("apiKeyFile")
                    .hasMessageNotContaining("def-secret");
        }
    }

    // ---- concurrency -----------------------------------------------------------------------------------

    @Test
    void concurrencyNeverExceedsTheLimit() throws Exception {
        try (var server = new FakeOpenAiServer(r -> FakeOpenAiServer.answer(r).after(120))) {
            Cfg cfg = new Cfg(server);
            cfg.maxConcurrency = 2;
            OpenAiTeacher teacher = cfg.teacher();
            ExecutorService tasks = Executors.newFixedThreadPool(6);
            try {
                List<Future<List<OpenAiSample>>> futures = new ArrayList<>();
                for (int t = 0; t < 6; t++) {
                    Problem p = new Problem("p-" + t, "What is " + t + " + 1?", String.valueOf(t + 1), "test", 1);
                    futures.add(tasks.submit(() -> teacher.sampleWithUsage(p, 2, 0, Set.of())));
                }
                for (Future<List<OpenAiSample>> f : futures) {
                    List<OpenAiSample> rows = f.get(10, TimeUnit.SECONDS);
                    assertExactlyIndices(rows, 0, 1);
                    assertThat(rows).allSatisfy(r -> assertThat(r.failed()).isFalse());
                }
            } finally {
                tasks.shutdownNow();
            }
            assertThat(server.requests()).hasSize(6);
            // Never more than the limit, and the limit was actually used (requests did overlap).
            assertThat(server.maxInFlight()).isEqualTo(2);
        }
    }

    @Test
    void interruptedCallerGetsErrorRowsAndKeepsTheInterruptFlag() throws Exception {
        try (var server = new FakeOpenAiServer(r -> Reply.status(503, "busy"))) {
            Cfg cfg = new Cfg(server);
            cfg.initialBackoff = Duration.ofSeconds(5);
            cfg.maxBackoff = Duration.ofSeconds(5);
            OpenAiTeacher teacher = cfg.teacher();
            List<List<OpenAiSample>> result = new ArrayList<>();
            boolean[] flag = new boolean[1];
            Thread t = new Thread(() -> {
                result.add(teacher.sampleWithUsage(PROBLEM, 2, 0, Set.of()));
                flag[0] = Thread.currentThread().isInterrupted();
            });
            t.start();
            // Wait until the first 503 arrived, so the thread is in its 2.5-5 s back-off.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (server.requests().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Thread.sleep(50);
            t.interrupt();
            t.join(5_000);

            assertThat(t.isAlive()).isFalse();
            assertExactlyIndices(result.get(0), 0, 1);
            assertThat(result.get(0))
                    .allSatisfy(r -> assertThat(r.sample().error()).isEqualTo("interrupted"));
            assertThat(flag[0]).isTrue();
        }
    }

    @Test
    void negativeNIsAnArgumentError() throws Exception {
        try (var server = new FakeOpenAiServer(FakeOpenAiServer::answer)) {
            OpenAiTeacher teacher = new Cfg(server).teacher();
            assertThatThrownBy(() -> teacher.sample(PROBLEM, -1, 0)).hasMessageContaining("n must be >= 0");
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    /** Exactly one row per expected index, in order, never a null. */
    private static void assertExactlyIndices(List<OpenAiSample> rows, int... expected) {
        assertThat(rows).doesNotContainNull();
        assertThat(rows).extracting(OpenAiSample::sampleIdx).containsExactly(boxed(expected));
        for (OpenAiSample r : rows) {
            TeacherSample s = r.sample();
            // An error row is empty; a good row has no error.
            if (s.error() != null) {
                assertThat(s.text()).isEmpty();
                assertThat(s.error()).isNotBlank().doesNotContain("\n");
            }
        }
    }

    private static Integer[] boxed(int[] xs) {
        return IntStream.of(xs).boxed().toArray(Integer[]::new);
    }

    private static long millisBetween(Received a, Received b) {
        return (b.atNanos() - a.atNanos()) / 1_000_000;
    }

    // ---- response size -----------------------------------------------------------------------------------

    @Test
    void aResponseOverTheCapFailsItsRequestWithoutRetryWhetherDeclaredOrStreamed() throws Exception {
        String big = FakeOpenAiServer.chat(List.of("x".repeat(20_000)), List.of("stop"), 10, 5000);
        for (boolean chunked : new boolean[] {false, true}) {
            FakeOpenAiServer.Reply reply = FakeOpenAiServer.Reply.ok(big);
            try (var server =
                    new FakeOpenAiServer(r -> chunked ? reply.withHeader(FakeOpenAiServer.CHUNKED, "") : reply)) {
                Cfg cfg = new Cfg(server);
                cfg.maxResponseBytes = 16 * 1024;
                List<OpenAiSample> rows = cfg.teacher().sampleWithUsage(PROBLEM, 1, 7, Set.of());
                assertThat(rows).hasSize(1);
                assertThat(rows.get(0).failed()).isTrue();
                assertThat(rows.get(0).sample().error())
                        .as(chunked ? "streamed" : "declared")
                        .contains("response body over 16384 bytes");
                assertThat(server.requests()).hasSize(1);
            }
        }
    }

    @Test
    void aResponseUnderTheCapIsRead() throws Exception {
        String text = "y".repeat(10_000);
        try (var server = new FakeOpenAiServer(
                r -> FakeOpenAiServer.Reply.ok(FakeOpenAiServer.chat(List.of(text), List.of("stop"), 10, 2500))
                        .withHeader(FakeOpenAiServer.CHUNKED, ""))) {
            Cfg cfg = new Cfg(server);
            cfg.maxResponseBytes = 16 * 1024;
            List<OpenAiSample> rows = cfg.teacher().sampleWithUsage(PROBLEM, 1, 7, Set.of());
            assertThat(rows.get(0).failed()).isFalse();
            assertThat(rows.get(0).sample().text()).isEqualTo(text);
        }
    }

    @Test
    void aKeyTravelsOverPlainHttpToTheLoopbackServer() throws Exception {
        try (var server = new FakeOpenAiServer(FakeOpenAiServer::answer)) {
            Cfg cfg = new Cfg(server);
            cfg.apiKeyEnv = "TEACHER_KEY";
            assertThat(cfg.baseUrl).startsWith("http://127.0.0.1:");
            cfg.teacher().sampleWithUsage(PROBLEM, 1, 7, Set.of());
            assertThat(server.requests().get(0).authorization()).isEqualTo("Bearer " + KEY);
        }
    }
}
