package redispark.jobs.stages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.eval.ModelCache;
import redispark.jobs.cli.RediCli;
import redispark.jobs.generate.BenchmarkDir;
import redispark.jobs.run.Json;
import redispark.model.TinyStudent;

/** {@code redi eval --model} on 5 MATH-500 problems × 2 samples with a tiny checkpoint, end to end. */
class EvalStageTest {
    @TempDir
    static Path dir;

    static Path model;

    @BeforeAll
    static void tinyModel() {
        assumeTrue(BenchmarkDir.find().isPresent(), "REDI_BENCHMARKS_DIR names no folder; skipped");
        model = dir.resolve("tiny-student");
        TinyStudent.write(model, 1);
    }

    @AfterAll
    static void stopSpark() {
        SparkSession.getActiveSession().foreach(s -> {
            s.stop();
            return null;
        });
    }

    private static Path evaluate(String name, String temperature) {
        Path run = dir.resolve(name);
        int code = RediCli.execute(
                "eval",
                "--run-dir",
                run.toString(),
                "--model",
                model.toString(),
                "--benchmarks",
                "math500",
                "--samples",
                "2",
                "--set",
                "eval.max-problems=5",
                "--set",
                "eval.instruction=\"{problem}\"",
                "--set",
                "eval.max-new-tokens=24",
                "--set",
                "eval.temperature=" + temperature);
        assertThat(code).as("redi eval exit code").isZero();
        return run;
    }

    private static List<Row> generations(Path run) {
        SparkSession spark = SparkSession.builder()
                .master("local[2]")
                .config("spark.ui.enabled", "false")
                .getOrCreate();
        return spark.read()
                .parquet(run.resolve("eval/generations").toString())
                .orderBy("problem_id", "sample_idx")
                .collectAsList();
    }

    @Test
    void writesOneRowPerProblemAndSampleAndTheSummaryFields() throws Exception {
        ModelCache.shared().clear();
        long loadsBefore = ModelCache.shared().loads();
        Path run = evaluate("sampled", "0.6");
        List<Row> rows = generations(run);
        assertThat(rows).hasSize(10);
        try (var parts = Files.list(run.resolve("eval/generations"))) {
            assertThat(parts.filter(p -> p.getFileName().toString().startsWith("part-"))
                            .count())
                    .as("partitions that generated")
                    .isGreaterThanOrEqualTo(2);
        }
        assertThat(ModelCache.shared().loads() - loadsBefore)
                .as("model loads in this (executor) JVM")
                .isEqualTo(1);
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.<String>getAs("model")).isEqualTo("tiny-student");
            assertThat(r.<String>getAs("benchmark")).isEqualTo("math500");
            assertThat(r.<String>getAs("finish_reason")).isIn("stop", "length");
        });
        JsonNode summary = Json.MAPPER.readTree(Files.readString(run.resolve("eval/summary.json")));
        JsonNode s = summary.get("models").get("tiny-student").get("math500");
        assertThat(s.get("problems").asInt()).isEqualTo(5);
        assertThat(s.get("samples").asInt()).isEqualTo(2);
        for (String field : List.of("pass@1", "pass@1_sem", "pass@2", "mean_completion_tokens", "truncation_rate")) {
            assertThat(s.get(field)).as(field).isNotNull();
        }
        JsonNode settings = summary.get("settings");
        assertThat(settings.get("samples").asInt()).isEqualTo(2);
        assertThat(settings.get("max_new_tokens").asInt()).isEqualTo(24);
        assertThat(settings.get("model_sha256").get("tiny-student").asText()).hasSize(64);
    }

    @Test
    void greedyEvaluationIsReproducible() {
        List<Row> first = generations(evaluate("greedy-1", "0"));
        List<Row> second = generations(evaluate("greedy-2", "0"));
        assertThat(second.stream().map(r -> r.<String>getAs("text")).toList())
                .isEqualTo(first.stream().map(r -> r.<String>getAs("text")).toList());
    }
}
