package redispark.jobs.stages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.jobs.cli.RediCli;
import redispark.jobs.generate.BenchmarkDir;
import redispark.jobs.run.Json;
import redispark.teacher.Problem;
import redispark.teacher.openai.FakeOpenAiServer;
import redispark.teacher.openai.FakeOpenAiServer.Received;
import redispark.teacher.openai.FakeOpenAiServer.Reply;
import redispark.teacher.source.Benchmark;
import redispark.teacher.source.BenchmarkProblems;

/**
 * {@code redi eval} with {@code eval.backend = openai} against a loopback OpenAI-compatible server that answers the
 * MATH-500 problems with a known mix of right and wrong answers: the request shape, the summary's pass@1, retries,
 * reruns and the config errors.
 */
class EvalServedModelTest {
    static final String KEY = "sk-eval-5d1c9e";
    static final int PROBLEMS = 5;
    static final int SAMPLES = 4;

    @TempDir
    static Path dir;

    static Path keyFile;
    static FakeOpenAiServer server;
    /** MATH-500 problem text → its gold answer. */
    static final Map<String, String> GOLD = new HashMap<>();
    /** What the server sent: correct answers and all answers. */
    static final AtomicInteger SENT_CORRECT = new AtomicInteger();

    static final AtomicInteger SENT = new AtomicInteger();

    @BeforeAll
    static void start() throws IOException {
        for (Problem p : BenchmarkProblems.fromDir(BenchmarkDir.find().orElseThrow(), Benchmark.fromId("math500"))
                .problems()) {
            GOLD.put(p.problem(), p.gold());
        }
        keyFile = dir.resolve("key.txt");
        Files.writeString(keyFile, KEY + "\n");
        server = new FakeOpenAiServer(EvalServedModelTest::answer);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /**
     * Choice k of a problem's answer is right when (k + the problem's length) is a multiple of 3, else wrong; the last
     * choice of a request is cut at the token limit. Usage: 10 completion tokens per choice.
     */
    static Reply answer(Received r) {
        String gold = GOLD.get(r.prompt());
        if (gold == null) {
            return Reply.error(400, "not a MATH-500 problem: " + r.prompt());
        }
        List<String> texts = new ArrayList<>();
        List<String> finish = new ArrayList<>(Collections.nCopies(r.n(), "stop"));
        finish.set(r.n() - 1, "length");
        for (int k = 0; k < r.n(); k++) {
            boolean right = (k + r.prompt().length()) % 3 == 0;
            texts.add(
                    "<think>\nworking\n</think>\nThe final answer is \\boxed{" + (right ? gold : "-987654321") + "}.");
            SENT.incrementAndGet();
            SENT_CORRECT.addAndGet(right ? 1 : 0);
        }
        return Reply.ok(FakeOpenAiServer.chat(texts, finish, 50, 10 * r.n()));
    }

    private record Run(int code, String err) {}

    /** @param more {@code --set} values, or options as they are ({@code --force}) */
    private static Run eval(Path run, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "eval",
                "--run-dir",
                run.toString(),
                "--benchmarks",
                "math500",
                "--samples",
                Integer.toString(SAMPLES),
                "--set",
                "eval.max-problems=" + PROBLEMS,
                "--set",
                "eval.instruction=\"{problem}\"",
                "--set",
                "eval.temperature=0.7",
                "--set",
                "eval.top-p=0.9",
                "--set",
                "eval.max-new-tokens=321",
                "--set",
                "eval.models=[stub]",
                "--set",
                "eval.backend=openai",
                "--set",
                "eval.openai.base-url=" + server.baseUrl(),
                "--set",
                "eval.openai.models.stub=served-stub",
                "--set",
                "eval.openai.api-key-file=\"" + keyFile + "\"",
                "--set",
                "eval.openai.initial-backoff=10ms",
                "--set",
                "eval.openai.max-backoff=50ms",
                "--set",
                "eval.openai.max-attempts=3"));
        for (String m : more) {
            if (!m.startsWith("--")) {
                args.add("--set");
            }
            args.add(m);
        }
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new Run(RediCli.execute(args.toArray(String[]::new)), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(oldErr);
        }
    }

    private static JsonNode summary(Path run) throws IOException {
        return Json.MAPPER.readTree(Files.readString(run.resolve("eval/summary.json")));
    }

    private static List<Row> generations(Path run) {
        SparkSession spark = SparkSession.builder()
                .master("local[2]")
                .config("spark.ui.enabled", "false")
                .getOrCreate();
        try {
            return spark.read()
                    .parquet(run.resolve("eval/generations").toString())
                    .orderBy("problem_id", "sample_idx")
                    .collectAsList();
        } finally {
            spark.stop();
        }
    }

    @Test
    void scoresTheServedAnswersLikeLocalOnesAndRerunsGiveTheSameRows() throws IOException {
        Path run = dir.resolve("served");
        server.clear();
        server.script(EvalServedModelTest::answer);
        SENT.set(0);
        SENT_CORRECT.set(0);

        Run first = eval(run);

        assertThat(first.code()).as(first.err()).isZero();
        List<Received> requests = server.requests();
        assertThat(requests).hasSize(PROBLEMS);
        for (Received r : requests) {
            assertThat(r.path()).isEqualTo("/v1/chat/completions");
            assertThat(r.authorization()).isEqualTo("Bearer " + KEY);
            JsonNode body = r.body();
            assertThat(body.get("model").asText()).isEqualTo("served-stub");
            assertThat(body.get("messages")).hasSize(1);
            assertThat(body.get("messages").get(0).get("role").asText()).isEqualTo("user");
            assertThat(GOLD)
                    .containsKey(body.get("messages").get(0).get("content").asText());
            assertThat(body.get("n").asInt()).isEqualTo(SAMPLES);
            assertThat(body.get("temperature").asDouble()).isEqualTo(0.7);
            assertThat(body.get("top_p").asDouble()).isEqualTo(0.9);
            assertThat(body.get("max_tokens").asInt()).isEqualTo(321);
            assertThat(body.get("seed").isIntegralNumber()).isTrue();
        }
        assertThat(SENT.get()).isEqualTo(PROBLEMS * SAMPLES);
        assertThat(SENT_CORRECT.get()).as("the mix has right and wrong answers").isBetween(1, SENT.get() - 1);

        JsonNode s = summary(run).get("models").get("stub").get("math500");
        assertThat(s.get("pass@1").asDouble()).isCloseTo((double) SENT_CORRECT.get() / SENT.get(), within(1e-12));
        assertThat(s.get("problems").asInt()).isEqualTo(PROBLEMS);
        assertThat(s.get("samples").asInt()).isEqualTo(SAMPLES);
        assertThat(s.get("truncation_rate").asDouble()).isEqualTo(1.0 / SAMPLES);
        assertThat(s.get("mean_completion_tokens").asDouble()).isCloseTo(10.0, within(1e-9));
        JsonNode settings = summary(run).get("settings");
        assertThat(settings.get("backend").asText()).isEqualTo("openai");
        assertThat(settings.get("served_models").get("stub").asText()).isEqualTo("served-stub");

        List<Row> rows = generations(run);
        assertThat(rows).hasSize(PROBLEMS * SAMPLES);
        assertThat(rows.stream()
                        .map(r -> r.getAs("problem_id") + "#" + r.getAs("sample_idx"))
                        .distinct())
                .hasSize(PROBLEMS * SAMPLES);
        assertThat(rows).allSatisfy(r -> assertThat(r.<String>getAs("model")).isEqualTo("stub"));
        assertThat(rows.stream().filter(r -> r.<Boolean>getAs("correct")).count())
                .isEqualTo(SENT_CORRECT.get());

        // Same config: up to date, nothing asked.
        server.clear();
        assertThat(eval(run).code()).isZero();
        assertThat(server.requests()).isEmpty();

        // Forced: the same requests (same seeds), the same rows, no duplicates. Slow answers show the executor's
        // limit: never more than 2 requests at once, and the tasks' problems do overlap up to it.
        server.script(r -> answer(r).after(300));
        Run forced = eval(run, "--force", "eval.openai.max-concurrency=2");
        assertThat(forced.code()).as(forced.err()).isZero();
        assertThat(server.requests().stream().map(Received::seed).sorted().toList())
                .isEqualTo(requests.stream().map(Received::seed).sorted().toList());
        assertThat(server.maxInFlight()).isEqualTo(2);
        List<Row> again = generations(run);
        assertThat(again.stream().map(r -> r.<String>getAs("text")).toList())
                .isEqualTo(rows.stream().map(r -> r.<String>getAs("text")).toList());

        // Another served model name is another evaluation: the stage runs again and asks for it.
        server.clear();
        server.script(EvalServedModelTest::answer);
        assertThat(eval(run, "eval.openai.models.stub=other").code()).isZero();
        assertThat(server.requests())
                .hasSize(PROBLEMS)
                .allSatisfy(r -> assertThat(r.body().get("model").asText()).isEqualTo("other"));
    }

    @Test
    void retries429And5xxAndFailsTheRunWhenTheServerNeverAnswers() throws IOException {
        Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        server.clear();
        server.script(r -> switch (attempts.computeIfAbsent(r.prompt(), k -> new AtomicInteger())
                .incrementAndGet()) {
            case 1 -> Reply.error(429, "slow down").withHeader("Retry-After", "0");
            case 2 -> Reply.error(503, "warming up");
            default -> answer(r);
        });
        SENT.set(0);
        SENT_CORRECT.set(0);
        Path run = dir.resolve("flaky");

        Run flaky = eval(run);

        assertThat(flaky.code()).as(flaky.err()).isZero();
        assertThat(server.requests()).hasSize(3 * PROBLEMS);
        assertThat(summary(run)
                        .get("models")
                        .get("stub")
                        .get("math500")
                        .get("pass@1")
                        .asDouble())
                .isCloseTo((double) SENT_CORRECT.get() / SENT.get(), within(1e-12));

        server.clear();
        server.script(r -> Reply.error(500, "model crashed"));
        Path down = dir.resolve("down");
        Run failed = eval(down);
        assertThat(failed.code()).isEqualTo(1);
        assertThat(failed.err().lines()).hasSize(1);
        assertThat(failed.err()).contains("HTTP 500: model crashed", "gave up after 3 attempts", "served-stub");
        assertThat(failed.err()).doesNotContain(KEY);
        assertThat(down.resolve("eval/summary.json")).doesNotExist();
    }

    @Test
    void badBackendSettingsStopBeforeSparkAsOneLineNamingTheKey() {
        Path run = dir.resolve("never");
        Run backend = eval(run, "eval.backend=remote");
        assertThat(backend.code()).isEqualTo(2);
        assertThat(backend.err().lines()).hasSize(1);
        assertThat(backend.err()).contains("eval.backend = \"remote\" (from --set)", "local", "openai");

        Run noUrl = eval(run, "eval.openai.base-url=\"\"");
        assertThat(noUrl.code()).isEqualTo(2);
        assertThat(noUrl.err().lines()).hasSize(1);
        assertThat(noUrl.err()).contains("eval.openai.base-url", "required with eval.backend = openai");

        Run unmapped = eval(run, "eval.models=[stub, sft]");
        assertThat(unmapped.code()).isEqualTo(2);
        assertThat(unmapped.err().lines()).hasSize(1);
        assertThat(unmapped.err()).contains("eval.models", "'sft'", "eval.openai.models.sft");

        Run folder = eval(run, "--model=" + dir);
        assertThat(folder.code()).isEqualTo(2);
        assertThat(folder.err().lines()).hasSize(1);
        assertThat(folder.err()).contains("--model", "eval.backend = openai");

        assertThat(run).doesNotExist();
    }
}
