package redispark.jobs.stages;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.jobs.config.RediConfig;
import redispark.jobs.curate.ProblemCuration;
import redispark.jobs.run.Json;
import redispark.jobs.run.RunDir;
import redispark.jobs.spark.SparkSchemas;
import redispark.jobs.spark.SparkSessions;
import redispark.verify.MathVerifier;

/**
 * {@code redi label} and {@code redi split} on a small traces table written here, with a benchmark file written
 * here too: the exact rows of positives, negatives and pairs under each policy, every reject reason, the counts
 * adding up per stage, and identical tables from a second run.
 */
class CurationStagesTest {
    @TempDir
    static Path dir;

    static SparkSession spark;
    static Path run;
    static Path benchmarks;

    /** A benchmark problem; problem a-07 below is a lightly reworded copy of it. */
    static final String BENCHMARK_PROBLEM = "Let $f(x) = 3x^2 - 5x + 7$. A point moves along the curve so that its "
            + "horizontal coordinate grows by exactly two units each second. Find the value of $f(4) - f(2)$.";

    static final String REWORDED = "Let f(x) = 3x^2 - 5x + 7. A point moves on the curve so that its horizontal "
            + "coordinate grows by exactly two units every second. Find the value of f(4) - f(2).";
    static final String TRAIN_PROBLEM = "A train travels at 60 miles per hour for 3 hours and then at 40 miles per "
            + "hour for 2 hours. How far does it travel in total?";

    static String think(String answer) {
        return "<think>\nwork it out\n</think>\nSo the answer is \\boxed{" + answer + "}.";
    }

    static Row trace(
            String id,
            int idx,
            String problem,
            String gold,
            String source,
            int difficulty,
            String text,
            String finish,
            String error) {
        return RowFactory.create(
                id,
                idx,
                problem,
                gold,
                source,
                difficulty,
                "test",
                text,
                finish,
                null,
                null,
                error,
                "cfg",
                null,
                null,
                null);
    }

    static Row ok(String id, int idx, String problem, String gold, String source, int difficulty, String answer) {
        return trace(id, idx, problem, gold, source, difficulty, think(answer), "stop", null);
    }

    static List<Row> traces() {
        String p1 = "Compute 2 + 3 * 4.";
        String p2 = "Solve for x: 2x + 1 = 7.";
        String p8 = "Compute 9 - 4.";
        String p9 = "Consider the following long word problem. " + "Some padding words go here. ".repeat(10)
                + "What is 1 + 1?";
        String p10 = "A shop sells pencils in boxes of twelve. How many pencils are in three boxes of pencils?";
        List<Row> rows = new ArrayList<>(List.of(
                ok("a-01", 0, p1, "14", "arith", 1, "20"),
                ok("a-01", 1, p1, "14", "arith", 1, "14"),
                ok("a-01", 2, p1, "14", "arith", 1, "14"),
                ok("a-01", 3, p1, "14", "arith", 1, "11"),
                trace("a-01", 4, p1, "14", "arith", 1, null, null, "HTTP 503 after 5 attempts"),
                ok("a-02", 0, p2, "3", "linear", 2, "3"),
                ok("a-02", 1, p2, "3", "linear", 2, "3"),
                ok("a-02", 2, p2, "3", "linear", 2, "3"),
                trace(
                        "a-02",
                        3,
                        p2,
                        "3",
                        "linear",
                        2,
                        "<think>\n" + "x".repeat(600) + "\n</think>\n\\boxed{3}",
                        "stop",
                        null),
                ok("a-03", 0, "What is 10% of 250?", "25", "percent", 1, "30"),
                ok("a-03", 1, "What is 10% of 250?", "25", "percent", 1, "2.5"),
                ok("a-04", 0, "Compute 2+3*4.", "14", "arith", 1, "14"),
                ok("a-04", 1, "Compute 2+3*4.", "14", "arith", 1, "15"),
                ok("a-05", 0, TRAIN_PROBLEM, "260", "word", 3, "260"),
                ok("a-05", 1, TRAIN_PROBLEM, "260", "word", 3, "200"),
                ok("a-06", 0, TRAIN_PROBLEM.replace("in total?", "in total."), "260", "word", 3, "260"),
                ok("a-07", 0, REWORDED, "10", "calc", 2, "10"),
                ok("a-07", 1, REWORDED, "10", "calc", 2, "12"),
                trace("a-08", 0, p8, "5", "arith", 1, think("5"), "length", null),
                trace("a-08", 1, p8, "5", "arith", 1, "<think>\n9 minus 4 is", "length", null),
                ok("a-08", 2, p8, "5", "arith", 1, "5"),
                ok("a-09", 0, p9, "2", "arith", 1, "2"),
                trace(
                        "a-10",
                        0,
                        p10,
                        "36",
                        "word",
                        1,
                        "<think>\n" + "y".repeat(362) + "\n</think>\n\\boxed{36}",
                        "stop",
                        null)));
        return rows;
    }

    /** Limits that the long traces above cross by a wide margin (the embedded tokenizer is character-level). */
    static final List<String> LIMITS =
            List.of("split.max-prompt-tokens=260", "split.max-response-tokens=400", "train.max-seq-len=460");

    @BeforeAll
    static void prepare() throws Exception {
        spark = SparkSessions.getOrCreate(RediConfig.load(null, List.of()));
        run = dir.resolve("run");
        spark.createDataFrame(traces(), SparkSchemas.TRACES)
                .coalesce(1)
                .write()
                .parquet(run.resolve("traces").toString());
        benchmarks = Files.createDirectories(dir.resolve("benchmarks"));
        Files.writeString(
                benchmarks.resolve("minibench.jsonl"),
                "{\"problem\": \"What is the area of a circle of radius 2?\", \"answer\": \"4\\\\pi\"}\n"
                        + "{\"problem\": " + json(BENCHMARK_PROBLEM) + ", \"answer\": \"10\"}\n");
        StageRunner.run(new LabelStage(), context());
        labelRejects = rejectKeys("label");
        labelCountsAddUp =
                table("labeled").count() + table("rejects/stage=label").count()
                        == table("traces").count();
        paper = split();
        List<List<String>> first = snapshot();
        paper = split();
        paperTables = snapshot();
        rerunIdentical = paperTables.equals(first);
        paperPositives = traceKeys("positives");
        paperNegatives = traceKeys("negatives");
        paperPairs = pairKeys();
        paperRejects = rejectKeys("split");
        paperDetails = table("rejects/stage=split").filter(col("sample_idx").equalTo(0)).collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getAs("problem_id"), r -> r.getAs("detail")));
        paperStats = Json.MAPPER
                .readTree(run.resolve("manifest.json").toFile())
                .get("stages")
                .get("split")
                .get("stats");
        paperPositiveRows = table("positives").count();
        assertCountsAddUp();
        assertVerdicts();
    }

    // The default (paper) split, run twice in prepare(): what the tests below check.
    static List<String> labelRejects;
    static boolean labelCountsAddUp;
    static StageOutcome paper;
    static List<List<String>> paperTables;
    static boolean rerunIdentical;
    static List<String> paperPositives;
    static List<String> paperNegatives;
    static List<String> paperPairs;
    static List<String> paperRejects;
    static Map<String, String> paperDetails;
    static JsonNode paperStats;
    static long paperPositiveRows;

    static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static StageContext context(String... sets) {
        List<String> all = new ArrayList<>(LIMITS);
        all.add("split.decontaminate.dir=\"" + benchmarks + "\"");
        all.addAll(List.of(sets));
        return new StageContext(spark, RunDir.open(spark, run.toString()), RediConfig.load(null, all));
    }

    static StageOutcome split(String... sets) {
        return StageRunner.run(new SplitStage(), context(sets), true);
    }

    static Dataset<Row> table(String name) {
        return spark.read().parquet(run.resolve(name).toString());
    }

    /** "problem_id/sample_idx" of each row, or "problem_id/sample_idx*" for a selected positive. */
    static List<String> traceKeys(String name) {
        boolean positives = name.equals("positives");
        return table(name).collectAsList().stream()
                .map(r -> r.getAs("problem_id") + "/" + r.getAs("sample_idx")
                        + (positives && (Boolean) r.getAs("selected") ? "*" : ""))
                .sorted()
                .toList();
    }

    static List<String> pairKeys() {
        return table("pairs").collectAsList().stream()
                .map(r -> r.getAs("problem_id") + ":" + r.getAs("chosen_idx") + ">" + r.getAs("rejected_idx"))
                .sorted()
                .toList();
    }

    static List<String> rejectKeys(String stage) {
        return table("rejects/stage=" + stage).collectAsList().stream()
                .map(r -> r.getAs("problem_id") + "/" + r.getAs("sample_idx") + " " + r.getAs("reason"))
                .sorted()
                .toList();
    }

    static final List<String> NEGATIVES = List.of("a-01/0", "a-01/3", "a-03/0", "a-03/1", "a-05/1", "a-08/1");

    @Test
    void labelRejectsTracesWithoutTextAndKeepsTheRest() {
        assertThat(labelRejects).containsExactly("a-01/4 teacher_error");
        assertThat(labelCountsAddUp).as("traces = labeled + rejects").isTrue();
        assertThat(table("labeled").columns()).contains("correct", "extracted", "reason", "verifier_version");
    }

    @Test
    void paperPolicyFirstCorrectAndFirstPair() {
        assertThat(paperPositives)
                .containsExactly("a-01/1*", "a-01/2", "a-02/0*", "a-02/1", "a-02/2", "a-05/0*", "a-08/2*");
        assertThat(paperNegatives).containsExactlyElementsOf(NEGATIVES);
        assertThat(paperPairs).containsExactly("a-01:1>0", "a-05:0>1", "a-08:2>1");
        assertThat(paperRejects)
                .containsExactly(
                        "a-02/3 response_too_long",
                        "a-04/0 duplicate_problem",
                        "a-04/1 duplicate_problem",
                        "a-06/0 near_duplicate_problem",
                        "a-07/0 contaminated",
                        "a-07/1 contaminated",
                        "a-08/0 truncated_but_correct",
                        "a-09/0 prompt_too_long",
                        "a-10/0 too_long");
        assertThat(paper.rejects()).containsEntry("contaminated", 2L).containsEntry("duplicate_problem", 2L);
    }

    @Test
    void allCorrectAndAllPairsUpToK() {
        split("split.sft-selection=all-correct", "split.pair-selection=all-pairs-up-to-k", "split.k=3");
        assertThat(traceKeys("positives"))
                .containsExactly("a-01/1*", "a-01/2*", "a-02/0*", "a-02/1*", "a-02/2*", "a-05/0*", "a-08/2*");
        assertThat(traceKeys("negatives")).containsExactlyElementsOf(NEGATIVES);
        assertThat(pairKeys()).containsExactly("a-01:1>0", "a-01:1>3", "a-01:2>0", "a-05:0>1", "a-08:2>1");
        assertCountsAddUp();
    }

    @Test
    void upToKSelectsTheFirstKCorrectTraces() {
        split("split.sft-selection=up-to-k", "split.k=2");
        assertThat(traceKeys("positives"))
                .containsExactly("a-01/1*", "a-01/2*", "a-02/0*", "a-02/1*", "a-02/2", "a-05/0*", "a-08/2*");
        assertThat(pairKeys()).containsExactly("a-01:1>0", "a-05:0>1", "a-08:2>1");
    }

    @Test
    void truncatedTracesCanBeRejectedInsteadOfKeptAsNegatives() {
        split("split.truncated-negatives=false");
        assertThat(traceKeys("negatives")).doesNotContain("a-08/1").hasSize(NEGATIVES.size() - 1);
        assertThat(rejectKeys("split")).contains("a-08/1 truncated", "a-08/0 truncated_but_correct");
        assertThat(pairKeys()).containsExactly("a-01:1>0", "a-05:0>1");
        assertCountsAddUp();
    }

    @Test
    void rejectsNameTheBenchmarkAndTheDuplicatedProblem() {
        assertThat(paperDetails.get("a-07")).startsWith("minibench minibench-1 overlap=");
        assertThat(paperDetails.get("a-04")).isEqualTo("duplicate of a-01");
        assertThat(paperDetails.get("a-06")).startsWith("near-duplicate of a-05 jaccard=0.9");
        assertThat(paperDetails.get("a-10")).matches("prompt_tokens=\\d+ completion_tokens=\\d+");
    }

    @Test
    void statsAreInTheManifest() {
        JsonNode stats = paperStats;
        assertThat(stats.get("problems").asLong()).isEqualTo(10);
        assertThat(stats.get("problems_with_positive").asLong()).isEqualTo(4);
        assertThat(stats.get("problems_with_negative").asLong()).isEqualTo(4);
        assertThat(stats.get("problems_with_both").asLong()).isEqualTo(3);
        assertThat(stats.get("contaminated_per_benchmark").get("minibench").asLong())
                .isEqualTo(1);
        assertThat(stats.get("problems_removed").get("near_duplicate_problem").asLong())
                .isEqualTo(1);
        assertThat(stats.get("decontamination_benchmarks").get("minibench").asLong())
                .isEqualTo(2);
        List<String> passRates = new ArrayList<>();
        stats.get("pass_rate")
                .forEach(r -> passRates.add(r.get("source").asText() + "/"
                        + r.get("difficulty").asInt() + " " + r.get("correct").asLong() + "/"
                        + r.get("traces").asLong()));
        assertThat(passRates).contains("linear/2 4/4", "percent/1 0/2", "word/3 2/3");
        long positives = 0;
        for (JsonNode n : stats.get("completion_tokens_histogram").get("positives")) {
            positives += n.asLong();
        }
        assertThat(positives).isEqualTo(paperPositiveRows);
    }

    @Test
    void theReportHasACurationSectionWithItsPlot() throws Exception {
        StageRunner.run(new ReportStage(), context(), true);
        String html = Files.readString(run.resolve("report/index.html"));
        assertThat(html).contains("<h2>Curation</h2>", "problems with both", "pass-rate.png", "arith");
        assertThat(run.resolve("report/pass-rate.png")).isNotEmptyFile();
    }

    @Test
    void runningSplitTwiceGivesIdenticalTables() {
        assertThat(paperTables.get(0)).hasSize(paperPositives.size());
        assertThat(rerunIdentical).as("second split run = first").isTrue();
    }

    @Test
    void withoutABenchmarkFolderDecontaminationIsSkippedAndSaysSo() throws Exception {
        String previous = System.getProperty("redi.benchmarks.dir");
        System.setProperty("redi.benchmarks.dir", dir.resolve("no-such-folder").toString());
        StageOutcome out;
        try {
            out = split("split.decontaminate.dir=\"\"");
        } finally {
            if (previous == null) {
                System.clearProperty("redi.benchmarks.dir");
            } else {
                System.setProperty("redi.benchmarks.dir", previous);
            }
        }
        assertThat(out.notes()).containsExactly(ProblemCuration.SKIPPED_NO_FOLDER);
        assertThat(ProblemCuration.SKIPPED_NO_FOLDER).isEqualTo("decontamination skipped: no benchmark folder");
        JsonNode notes = Json.MAPPER
                .readTree(run.resolve("manifest.json").toFile())
                .get("stages")
                .get("split")
                .get("notes");
        assertThat(notes.get(0).asText()).isEqualTo(ProblemCuration.SKIPPED_NO_FOLDER);
        assertThat(rejectKeys("split")).doesNotContain("a-07/0 contaminated").contains("a-04/0 duplicate_problem");
    }

    static List<List<String>> snapshot() {
        List<List<String>> out = new ArrayList<>();
        for (String name : List.of("positives", "negatives", "pairs", "rejects/stage=split")) {
            out.add(table(name).collectAsList().stream()
                    .map(Row::toString)
                    .sorted()
                    .toList());
        }
        return out;
    }

    static void assertCountsAddUp() {
        long kept = table("positives").count() + table("negatives").count();
        assertThat(kept + table("rejects/stage=split").count())
                .isEqualTo(table("labeled").count());
    }

    static void assertVerdicts() {
        Map<String, String> gold = table("labeled").select("problem_id", "gold").distinct().collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getString(0), r -> r.getString(1)));
        for (Row r : table("positives").collectAsList()) {
            assertThat(MathVerifier.verify(r.getAs("completion"), gold.get(r.<String>getAs("problem_id")))
                            .correct())
                    .as("positive %s", r)
                    .isTrue();
        }
        for (Row r : table("negatives").collectAsList()) {
            assertThat(MathVerifier.verify(r.getAs("completion"), gold.get(r.<String>getAs("problem_id")))
                            .correct())
                    .as("negative %s", r)
                    .isFalse();
        }
        List<String> positives =
                traceKeys("positives").stream().map(k -> k.replace("*", "")).toList();
        List<String> negatives = traceKeys("negatives");
        for (Row r : table("pairs").collectAsList()) {
            assertThat(positives).contains(r.getAs("problem_id") + "/" + r.getAs("chosen_idx"));
            assertThat(negatives).contains(r.getAs("problem_id") + "/" + r.getAs("rejected_idx"));
        }
    }
}
