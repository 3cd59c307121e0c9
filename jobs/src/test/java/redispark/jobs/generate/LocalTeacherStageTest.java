package redispark.jobs.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.jobs.stages.StageOutcome;
import redispark.model.TinyStudent;

/** The local-model teacher through the Spark stage, sampling the tiny student deterministically. */
class LocalTeacherStageTest {
    static SparkSession spark;

    @TempDir
    static Path dir;

    static Path model;

    @BeforeAll
    static void start() {
        spark = Runs.spark();
        model = dir.resolve("tiny-teacher");
        TinyStudent.write(model, 3);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static String[] config(String... more) {
        List<String> a = new java.util.ArrayList<>(List.of(
                "teacher.kind=local",
                Runs.set("teacher.local.model-dir", model),
                "teacher.local.max-new-tokens=12",
                "teacher.local.temperature=1.0",
                "teacher.samples=2",
                "problems.count=6",
                "problems.heldout-count=2"));
        a.addAll(List.of(more));
        return Runs.args(a);
    }

    static List<String> traces(Path runDir) {
        return Runs.table(spark, runDir, "traces").orderBy("problem_id", "sample_idx").collectAsList().stream()
                .map(r -> r.getAs("problem_id") + "#" + r.getAs("sample_idx") + "#" + r.getAs("finish_reason") + "#"
                        + r.getAs("completion_tokens") + "#" + r.getAs("text"))
                .toList();
    }

    @Test
    void theTinyStudentAsTeacherWritesTheSameTracesForTheSameSeed() {
        StageOutcome first = Runs.generate(spark, dir.resolve("a"), config());
        Runs.generate(spark, dir.resolve("b"), config());
        Runs.generate(spark, dir.resolve("c"), config("teacher.seed=99"));
        assertThat(first.rows()).containsEntry("traces", 12L).containsEntry("traces_error", 0L);
        List<Row> rows = Runs.table(spark, dir.resolve("a"), "traces").collectAsList();
        assertThat(rows).allSatisfy(r -> {
            assertThat((String) r.getAs("teacher")).isEqualTo("local:tiny-teacher");
            assertThat((Integer) r.getAs("prompt_tokens")).isPositive();
            assertThat((Integer) r.getAs("completion_tokens")).isBetween(0, 12);
            assertThat((String) r.getAs("finish_reason")).isIn("stop", "length");
            assertThat((String) r.getAs("error")).isNull();
        });
        assertThat(traces(dir.resolve("b"))).isEqualTo(traces(dir.resolve("a")));
        assertThat(traces(dir.resolve("c"))).isNotEqualTo(traces(dir.resolve("a")));
    }

    @Test
    void aRerunWithMoreSamplesKeepsTheStoredOnesAndMatchesAFreshRun() {
        Path runDir = dir.resolve("grow");
        Runs.generate(spark, runDir, config());
        StageOutcome grown = Runs.generate(spark, runDir, config("teacher.samples=3"));
        assertThat(grown.rows())
                .containsEntry("traces_reused", 12L)
                .containsEntry("traces_requested", 6L)
                .containsEntry("traces", 18L);
        Runs.generate(spark, dir.resolve("fresh3"), config("teacher.samples=3"));
        // Sample i of a problem is the same whether it was asked for alone or with the others.
        assertThat(traces(runDir)).isEqualTo(traces(dir.resolve("fresh3")));
    }
}
