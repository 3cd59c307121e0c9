package redispark.jobs.generate;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.jobs.stages.StageOutcome;
import redispark.teacher.source.Benchmark;
import redispark.teacher.source.BenchmarkProblems;

/** The benchmark and table problem sources: problems table, held-out split by hash, bad rows as rejects. */
class ProblemSourcesTest {
    static SparkSession spark;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        spark = Runs.spark();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static Path benchmarks() {
        Optional<Path> found = BenchmarkDir.find();
        assumeTrue(
                found.isPresent(),
                "benchmark files not found: set -Dredi.benchmarks.dir=<dir> or "
                        + "REDI_BENCHMARKS_DIR naming a folder; skipping");
        return found.get();
    }

    @Test
    void benchmarkFilesBecomeProblemsWithAHashChosenHeldOutSplit() throws IOException {
        Path bench = benchmarks();
        Path runDir = dir.resolve("bench");
        StageOutcome outcome = Runs.generate(
                spark,
                runDir,
                "problems.source=benchmark",
                Runs.set("problems.benchmark.dir", bench),
                "problems.benchmark.names=[aime24, amc23]",
                "problems.count=all",
                "problems.heldout-count=10",
                "teacher.samples=1");
        long aime =
                BenchmarkProblems.fromDir(bench, Benchmark.AIME24).problems().size();
        long amc = BenchmarkProblems.fromDir(bench, Benchmark.AMC23).problems().size();
        List<Row> problems = Runs.table(spark, runDir, "problems").collectAsList();
        assertThat(problems).hasSize((int) (aime + amc));
        assertThat(problems.stream()
                        .filter(r -> r.getAs("split").equals("heldout"))
                        .count())
                .isEqualTo(10);
        assertThat(problems).allMatch(r -> ((String) r.getAs("problem_id")).startsWith(r.getAs("source") + "-"));
        assertThat(outcome.rows())
                .containsEntry("problems_train", aime + amc - 10)
                .containsEntry("traces", aime + amc - 10);
        // The builtin teacher cannot parse benchmark problems: its samples are error rows, never dropped.
        assertThat(Runs.table(spark, runDir, "traces")
                        .filter(col("error").isNull())
                        .count())
                .isZero();

        // The same config picks the same held-out problems.
        Runs.generate(
                spark,
                runDir.resolveSibling("bench2"),
                "problems.source=benchmark",
                Runs.set("problems.benchmark.dir", bench),
                "problems.benchmark.names=[aime24, amc23]",
                "problems.count=all",
                "problems.heldout-count=10",
                "teacher.samples=1");
        assertThat(heldout(runDir.resolveSibling("bench2"))).isEqualTo(heldout(runDir));
    }

    @Test
    void benchmarkRejectsAreWrittenWithTheirLine() {
        Path bench = benchmarks();
        Path runDir = dir.resolve("gaokao");
        // gaokao2023en has rows with an empty answer (the shipped SOURCES.md).
        StageOutcome outcome = Runs.generate(
                spark,
                runDir,
                "problems.source=benchmark",
                Runs.set("problems.benchmark.dir", bench),
                "problems.benchmark.names=[gaokao2023en]",
                "problems.count=50",
                "problems.heldout-count=5",
                "teacher.samples=1");
        List<Row> rejects = Runs.table(spark, runDir, "rejects").collectAsList();
        assertThat(rejects).anySatisfy(r -> {
            assertThat((String) r.getAs("reason")).isEqualTo("blank_answer");
            assertThat((String) r.getAs("detail")).startsWith("gaokao2023en.jsonl line ");
        });
        long lines = rejects.size() + Runs.table(spark, runDir, "problems").count();
        assertThat(outcome.rejects()).containsKey("beyond_problems_count");
        assertThat(outcome.rows()).containsEntry("problems_train", 50L).containsEntry("problems_heldout", 5L);
        assertThat(lines).isGreaterThan(55);
    }

    static List<String> heldout(Path runDir) {
        return Runs.table(spark, runDir, "problems")
                .filter(col("split").equalTo("heldout"))
                .orderBy("problem_id")
                .select("problem_id")
                .collectAsList()
                .stream()
                .map(r -> r.getString(0))
                .toList();
    }

    @Test
    void aJsonlTableWithBadLinesYieldsProblemsAndRejectsWithReasons() throws IOException {
        Path file = dir.resolve("table.jsonl");
        List<byte[]> lines = new ArrayList<>();
        for (String s : List.of(
                "{\"q\": \"What is 1 + 1?\", \"a\": 2, \"key\": 1}",
                "{\"q\": \"What is 2 + 2?\", \"a\": \"4\", \"key\": 2}",
                "{\"q\": \"What is 3 + 3?\", \"a\": 6.0, \"key\": 3}",
                "{\"q\": \"What is 4 + 4?\", \"a\": \"8\", \"key\": 4}",
                "{\"q\": \"What is 5 + 5?\", \"a\": \"10\", \"key\": 5}",
                "{\"q\": null, \"a\": \"1\", \"key\": 6}",
                "{\"q\": \"blank answer\", \"a\": \"  \", \"key\": 7}",
                "{\"q\": \"no answer\", \"key\": 8}",
                "{\"q\": \"What is 1 + 1?\", \"a\": 2, \"key\": 1}",
                "not json at all",
                "[1, 2]",
                "",
                "{\"q\": \"no id\", \"a\": \"1\"}")) {
            lines.add(s.getBytes(StandardCharsets.UTF_8));
        }
        // A line with a byte that is not UTF-8.
        byte[] bad = "{\"q\": \"caf\u00e9 X\", \"a\": \"1\", \"key\": 9}".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bad.length; i++) {
            if (bad[i] == 'X') {
                bad[i] = (byte) 0xFF;
            }
        }
        lines.add(bad);
        try (var out = Files.newOutputStream(file)) {
            for (byte[] l : lines) {
                out.write(l);
                out.write('\n');
            }
        }
        Path runDir = dir.resolve("jsonl");
        StageOutcome outcome = Runs.generate(
                spark,
                runDir,
                "problems.source=table",
                Runs.set("problems.table.path", file),
                "problems.table.problem-column=q",
                "problems.table.answer-column=a",
                "problems.table.id-column=key",
                "problems.table.source-name=mine",
                "problems.count=3",
                "problems.heldout-count=1",
                "teacher.samples=2");
        assertThat(outcome.rejects())
                .isEqualTo(Map.of(
                        "null_problem",
                        1L,
                        "blank_answer",
                        2L,
                        "duplicate_problem_id",
                        1L,
                        "invalid_json",
                        1L,
                        "not_an_object",
                        1L,
                        "blank_line",
                        1L,
                        "null_id",
                        1L,
                        "not_utf8",
                        1L,
                        "beyond_problems_count",
                        1L));
        List<Row> problems =
                Runs.table(spark, runDir, "problems").orderBy("problem_id").collectAsList();
        assertThat(problems).hasSize(4);
        assertThat(problems.size() + Runs.table(spark, runDir, "rejects").count())
                .isEqualTo(lines.size());
        assertThat(problems)
                .allMatch(
                        r -> r.getAs("source").equals("mine") && ((String) r.getAs("problem_id")).startsWith("mine-"));
        Row three =
                Runs.table(spark, runDir, "problems")
                        .filter(col("problem_id").equalTo("mine-3"))
                        .collectAsList()
                        .stream()
                        .findFirst()
                        .orElse(null);
        if (three != null) {
            assertThat((String) three.getAs("gold")).as("6.0 is written as 6").isEqualTo("6");
        }
        assertThat(outcome.rows())
                .containsEntry("problems_train", 3L)
                .containsEntry("problems_heldout", 1L)
                .containsEntry("traces", 6L);
    }

    @Test
    void aParquetTableWithBadRowsYieldsRejectsAndHashIdsWhenThereIsNoIdColumn() {
        StructType schema = new StructType()
                .add("question", DataTypes.StringType)
                .add("solution_value", DataTypes.DoubleType)
                .add("level", DataTypes.IntegerType);
        List<Row> rows = List.of(
                RowFactory.create("What is 6 * 7?", 42.0, 2),
                RowFactory.create("What is 1/4 as a decimal?", 0.25, 1),
                RowFactory.create("What is 9 - 10?", -1.0, 3),
                RowFactory.create(null, 1.0, 1),
                RowFactory.create("  ", 1.0, 1),
                RowFactory.create("No answer here", null, 1),
                RowFactory.create("Bad level", 1.0, 0),
                RowFactory.create("Broken \uFFFD text", 1.0, 1),
                RowFactory.create("What is 6 * 7?", 42.0, 2));
        Path table = dir.resolve("table.parquet");
        spark.createDataFrame(rows, schema).write().parquet(table.toString());
        Path runDir = dir.resolve("parquet");
        StageOutcome outcome = Runs.generate(
                spark,
                runDir,
                "problems.source=table",
                Runs.set("problems.table.path", table),
                "problems.table.problem-column=question",
                "problems.table.answer-column=solution_value",
                "problems.table.difficulty-column=level",
                "problems.count=all",
                "problems.heldout-count=0",
                "teacher.samples=1");
        assertThat(outcome.rejects())
                .isEqualTo(Map.of(
                        "null_problem",
                        2L,
                        "blank_answer",
                        1L,
                        "bad_difficulty",
                        1L,
                        "not_utf8",
                        1L,
                        "duplicate_problem_id",
                        1L));
        List<Row> problems =
                Runs.table(spark, runDir, "problems").orderBy("gold").collectAsList();
        assertThat(problems).extracting(r -> r.<String>getAs("gold")).containsExactly("-1", "0.25", "42");
        assertThat(problems).extracting(r -> r.<Integer>getAs("difficulty")).containsExactly(3, 1, 2);
        assertThat(problems).allMatch(r -> ((String) r.getAs("problem_id")).matches("table-[0-9a-f]{16}"));
        assertThat(problems.size() + Runs.table(spark, runDir, "rejects").count())
                .isEqualTo(rows.size());
    }

    @Test
    void aMissingOrMistypedColumnIsAOneLineErrorNamingTheKey() {
        StructType schema =
                new StructType().add("problem", DataTypes.IntegerType).add("answer", DataTypes.StringType);
        Path table = dir.resolve("typed.parquet");
        spark.createDataFrame(List.of(RowFactory.create(1, "1")), schema)
                .write()
                .parquet(table.toString());
        assertThatThrownBy(() -> Runs.generate(
                        spark, dir.resolve("typed"), "problems.source=table", Runs.set("problems.table.path", table)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("problems.table.problem-column: column 'problem' is int, expected string");
        assertThatThrownBy(() -> Runs.generate(
                        spark,
                        dir.resolve("typed"),
                        "problems.source=table",
                        Runs.set("problems.table.path", table),
                        "problems.table.problem-column=answer",
                        "problems.table.answer-column=gold"))
                .hasMessageStartingWith("problems.table.answer-column: the table has no column 'gold'");
        assertThatThrownBy(() -> Runs.generate(spark, dir.resolve("typed"), "problems.source=nowhere"))
                .hasMessage("problems.source: unknown value 'nowhere' (expected builtin, benchmark, table)");
    }
}
