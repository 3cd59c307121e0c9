package redispark.jobs.generate;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.jobs.stages.StageOutcome;
import redispark.teacher.openai.FakeOpenAiServer;
import redispark.teacher.openai.FakeOpenAiServer.Received;
import redispark.teacher.openai.FakeOpenAiServer.Reply;

/**
 * The OpenAI-compatible teacher through the Spark stage against a real HTTP server on loopback: 429s, 500s and
 * answers slower than the request timeout; every problem ends with exactly n rows (samples or errors), and reruns
 * ask only for what is missing.
 */
class OpenAiTeacherStageTest {
    static SparkSession spark;
    static FakeOpenAiServer server;

    @TempDir
    static Path dir;

    static final int SAMPLES = 3;
    static final int PROBLEMS = 12;
    static final int HELDOUT = 2;
    private static final Pattern TAG = Pattern.compile("\\[P(\\d+)]");

    /** First-run behaviour per problem number; the others answer normally. */
    static final int ALWAYS_500 = 1;

    static final int ALWAYS_SLOW = 2;
    static final int ONCE_429 = 3;
    static final int ONCE_500 = 4;
    static final int ONCE_SLOW = 5;
    static final int SHORT = 6;

    @BeforeAll
    static void start() throws IOException {
        spark = Runs.spark();
        server = new FakeOpenAiServer(FakeOpenAiServer::answer);
    }

    @AfterAll
    static void stop() {
        server.close();
        spark.stop();
    }

    static Path problems(Path runDir) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < PROBLEMS; i++) {
            lines.add("{\"id\": \"q" + i + "\", \"problem\": \"[P" + i + "] What is " + i + " + 1?\", \"answer\": "
                    + (i + 1) + "}");
        }
        Path file = runDir.resolve("input.jsonl");
        Files.createDirectories(runDir);
        Files.write(file, lines);
        return file;
    }

    static String[] config(Path table, String... more) {
        List<String> a = new ArrayList<>(List.of(
                "problems.source=table",
                Runs.set("problems.table.path", table),
                "problems.table.id-column=id",
                "problems.heldout-count=" + HELDOUT,
                "problems.count=all",
                "teacher.kind=openai",
                "teacher.samples=" + SAMPLES,
                Runs.set("teacher.openai.base-url", server.baseUrl()),
                "teacher.openai.model=test-model",
                "teacher.openai.request-timeout=400ms",
                "teacher.openai.max-attempts=3",
                "teacher.openai.initial-backoff=20ms",
                "teacher.openai.max-backoff=100ms",
                "teacher.openai.max-concurrency=3",
                "teacher.openai.threads-per-task=3",
                "teacher.openai.problem-timeout=20s"));
        a.addAll(List.of(more));
        return Runs.args(a);
    }

    static int problemOf(Received r) {
        Matcher m = TAG.matcher(r.prompt());
        assertThat(m.find()).as("problem tag in " + r.prompt()).isTrue();
        return Integer.parseInt(m.group(1));
    }

    /** The flaky first-run server: answers by problem number and attempt. */
    static FakeOpenAiServer.Script flaky() {
        Map<Integer, AtomicInteger> attempts = new ConcurrentHashMap<>();
        return r -> {
            int p = problemOf(r);
            int attempt = attempts.computeIfAbsent(p, k -> new AtomicInteger()).incrementAndGet();
            return switch (p) {
                case ALWAYS_500 -> Reply.error(500, "model crashed");
                case ALWAYS_SLOW -> FakeOpenAiServer.answer(r).after(1500);
                case ONCE_429 ->
                    attempt == 1
                            ? Reply.error(429, "slow down").withHeader("Retry-After", "0")
                            : FakeOpenAiServer.answer(r);
                case ONCE_500 -> attempt == 1 ? Reply.error(500, "oops") : FakeOpenAiServer.answer(r);
                case ONCE_SLOW -> attempt == 1 ? FakeOpenAiServer.answer(r).after(1500) : FakeOpenAiServer.answer(r);
                // Fewer choices than asked: the teacher asks again for the rest.
                case SHORT -> Reply.ok(FakeOpenAiServer.chat(r.seed(), Math.min(1, r.n())));
                default -> FakeOpenAiServer.answer(r);
            };
        };
    }

    @Test
    void everyProblemEndsWithExactlyNRowsAndRerunsAskOnlyForWhatIsMissing() throws IOException {
        Path runDir = dir.resolve("flaky");
        Path table = problems(runDir);
        server.clear();
        server.script(flaky());

        StageOutcome first = Runs.generate(spark, runDir, config(table));

        int train = PROBLEMS - HELDOUT;
        List<Row> traces = Runs.table(spark, runDir, "traces")
                .orderBy("problem_id", "sample_idx")
                .collectAsList();
        assertThat(traces).hasSize(train * SAMPLES);
        Map<String, List<Integer>> indices = new HashMap<>();
        Map<String, Integer> errorsByProblem = new HashMap<>();
        Map<String, String> goodTexts = new HashMap<>();
        for (Row r : traces) {
            String id = r.getAs("problem_id");
            indices.computeIfAbsent(id, k -> new ArrayList<>()).add(r.getAs("sample_idx"));
            String error = r.getAs("error");
            if (error != null) {
                errorsByProblem.merge(id, 1, Integer::sum);
                assertThat((String) r.getAs("text")).isEmpty();
            } else {
                assertThat((String) r.getAs("text")).contains("\\boxed{");
                assertThat((String) r.getAs("finish_reason")).isEqualTo("stop");
                assertThat((Integer) r.getAs("prompt_tokens")).isEqualTo(10);
                assertThat((Integer) r.getAs("completion_tokens")).isPositive();
                goodTexts.put(id + "#" + r.getAs("sample_idx"), r.getAs("text"));
            }
            assertThat((String) r.getAs("teacher")).isEqualTo("openai:test-model");
            assertThat((String) r.getAs("generation_config")).isNotBlank();
        }
        assertThat(indices).hasSize(train);
        indices.values().forEach(list -> assertThat(list).containsExactly(0, 1, 2));

        // Which problems failed for good, and why.
        Map<Integer, String> errorOf = new HashMap<>();
        for (Row r : traces) {
            if (r.getAs("error") != null) {
                errorOf.put(
                        Integer.parseInt(((String) r.getAs("problem_id")).replace("table-q", "")), r.getAs("error"));
            }
        }
        List<Integer> heldout = Runs.table(spark, runDir, "problems")
                .filter(col("split").equalTo("heldout"))
                .select("problem_id")
                .collectAsList()
                .stream()
                .map(r -> Integer.parseInt(r.getString(0).replace("table-q", "")))
                .toList();
        assertThat(heldout).hasSize(HELDOUT);
        for (int p : List.of(ALWAYS_500, ALWAYS_SLOW)) {
            if (!heldout.contains(p)) {
                assertThat(errorOf).containsKey(p);
            }
        }
        if (errorOf.containsKey(ALWAYS_500)) {
            assertThat(errorOf.get(ALWAYS_500)).contains("HTTP 500").contains("gave up after 3 attempts");
        }
        if (errorOf.containsKey(ALWAYS_SLOW)) {
            assertThat(errorOf.get(ALWAYS_SLOW)).contains("timed out");
        }
        assertThat(errorOf.keySet()).allMatch(p -> p == ALWAYS_500 || p == ALWAYS_SLOW);
        // Held-out problems are never given to the teacher.
        assertThat(server.requests()).noneMatch(r -> heldout.contains(problemOf(r)));
        // The fan-out is used (more than one request at once).
        assertThat(server.maxInFlight()).isGreaterThanOrEqualTo(2);

        long errorRows =
                errorsByProblem.values().stream().mapToInt(Integer::intValue).sum();
        assertThat(first.rows())
                .containsEntry("traces", (long) train * SAMPLES)
                .containsEntry("traces_error", errorRows)
                .containsEntry("traces_requested", (long) train * SAMPLES)
                .containsEntry("traces_reused", 0L);
        assertThat(Runs.manifestStage(runDir).get("status").asText()).isEqualTo("done");

        // Rerun against a healthy server: only the failed indices are asked for, nothing is duplicated.
        server.clear();
        server.script(FakeOpenAiServer::answer);
        StageOutcome second = Runs.generate(spark, runDir, config(table));
        List<Received> asked = server.requests();
        assertThat(asked).hasSize(errorsByProblem.size());
        Map<Integer, Integer> askedN = new HashMap<>();
        for (Received r : asked) {
            askedN.merge(problemOf(r), r.n(), Integer::sum);
        }
        Map<Integer, Integer> expected = new HashMap<>();
        errorsByProblem.forEach((id, n) -> expected.put(Integer.parseInt(id.replace("table-q", "")), n));
        assertThat(askedN).isEqualTo(expected);

        List<Row> again = Runs.table(spark, runDir, "traces").collectAsList();
        assertThat(again).hasSize(train * SAMPLES);
        assertThat(again.stream()
                        .map(r -> r.getAs("problem_id") + "#" + r.getAs("sample_idx"))
                        .distinct()
                        .count())
                .isEqualTo((long) train * SAMPLES);
        assertThat(again).allMatch(r -> r.getAs("error") == null);
        for (Row r : again) {
            String key = r.getAs("problem_id") + "#" + r.getAs("sample_idx");
            if (goodTexts.containsKey(key)) {
                assertThat((String) r.getAs("text")).as("kept " + key).isEqualTo(goodTexts.get(key));
            }
        }
        assertThat(second.rows())
                .containsEntry("traces_reused", (long) train * SAMPLES - errorRows)
                .containsEntry("traces_requested", errorRows)
                .containsEntry("traces_error", 0L);

        // A third run has nothing to ask: the stage is up to date and skipped, reporting the second run's counts.
        server.clear();
        StageOutcome third = Runs.generate(spark, runDir, config(table));
        assertThat(server.requests()).isEmpty();
        assertThat(third.rows()).containsEntry("traces", (long) train * SAMPLES).isEqualTo(second.rows());

        // More samples per problem: the stored ones stay, only the new indices are asked for. The per-executor
        // limit of 3 holds and the fan-out uses it (checked on this run: no request is given up on, so none of the
        // server's in-flight count is a request the client has already dropped).
        // Each answer takes 300 ms, so requests that can overlap do (the request timeout, not part of the
        // generation config, is raised for it).
        server.clear();
        server.script(r -> FakeOpenAiServer.answer(r).after(300));
        Runs.generate(spark, runDir, config(table, "teacher.samples=4", "teacher.openai.request-timeout=10s"));
        assertThat(server.requests()).hasSize(train).allMatch(r -> r.n() == 1);
        assertThat(server.maxInFlight()).isBetween(2, 3);
        assertThat(Runs.table(spark, runDir, "traces").count()).isEqualTo(train * 4L);
    }

    @Test
    void aProblemPastTheProblemTimeoutBecomesErrorRowsAndTheRunGoesOn() throws IOException {
        Path runDir = dir.resolve("timeout");
        Path table = problems(runDir);
        server.clear();
        // Problem 7 answers after 3 s on every attempt, inside the 5 s request timeout but past the 1 s problem
        // timeout; everything else is fast.
        server.script(r -> problemOf(r) == 7 ? FakeOpenAiServer.answer(r).after(3000) : FakeOpenAiServer.answer(r));
        StageOutcome outcome = Runs.generate(
                spark,
                runDir,
                config(
                        table,
                        "problems.heldout-count=0",
                        "teacher.openai.request-timeout=5s",
                        "teacher.openai.problem-timeout=1s"));
        List<Row> rows = Runs.table(spark, runDir, "traces")
                .filter(col("problem_id").equalTo("table-q7"))
                .collectAsList();
        assertThat(rows)
                .hasSize(SAMPLES)
                .allSatisfy(r -> assertThat((String) r.getAs("error"))
                        .contains("no answer within teacher.openai.problem-timeout"));
        assertThat(outcome.rows())
                .containsEntry("traces", (long) PROBLEMS * SAMPLES)
                .containsEntry("traces_error", (long) SAMPLES);
    }

    @Test
    void chunksSavedByAKilledRunAreKeptAndOnlyTheRestIsAskedFor() throws IOException {
        Path runDir = dir.resolve("chunks");
        Path table = problems(runDir);
        server.clear();
        server.script(FakeOpenAiServer::answer);
        int train = PROBLEMS - HELDOUT;
        Runs.generate(spark, runDir, config(table, "teacher.checkpoint-every=3"));
        assertThat(server.requests()).hasSize(train);
        assertThat(Runs.table(spark, runDir, "traces").count()).isEqualTo((long) train * SAMPLES);
        assertThat(runDir.resolve("traces.parts")).doesNotExist();

        // What a run killed after its first chunks leaves: some saved chunks, no traces table.
        List<String> someProblems = Runs.table(spark, runDir, "problems")
                .filter(col("split").equalTo("train"))
                .orderBy("problem_id")
                .limit(4)
                .collectAsList()
                .stream()
                .map(r -> r.<String>getAs("problem_id"))
                .toList();
        Runs.table(spark, runDir, "traces")
                .filter(col("problem_id").isin(someProblems.toArray()))
                .write()
                .parquet(runDir.resolve("traces.parts/part-killed-0").toString());
        java.nio.file.Files.walk(runDir.resolve("traces"))
                .sorted(java.util.Comparator.reverseOrder())
                .forEach(p -> p.toFile().delete());

        server.clear();
        StageOutcome resumed = Runs.generate(spark, runDir, config(table, "teacher.checkpoint-every=3"));
        assertThat(server.requests())
                .hasSize(train - 4)
                .noneMatch(r -> someProblems.contains("table-q" + problemOf(r)));
        List<Row> rows = Runs.table(spark, runDir, "traces").collectAsList();
        assertThat(rows).hasSize(train * SAMPLES);
        assertThat(rows.stream()
                        .map(r -> r.getAs("problem_id") + "#" + r.getAs("sample_idx"))
                        .distinct()
                        .count())
                .isEqualTo((long) train * SAMPLES);
        assertThat(resumed.rows()).containsEntry("traces_reused", 4L * SAMPLES);
        assertThat(runDir.resolve("traces.parts")).doesNotExist();
    }
}
