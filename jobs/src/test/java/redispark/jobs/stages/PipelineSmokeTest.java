package redispark.jobs.stages;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redispark.jobs.eval.EvalProblems;
import redispark.jobs.run.Json;
import redispark.model.Qwen2Model;
import redispark.verify.MathVerifier;

/** The embedded pipeline end to end on a tiny setting, in Spark local mode, checked through the tables it wrote. */
class PipelineSmokeTest {
    static Path runDir;

    static SparkSession spark;

    @BeforeAll
    static void runPipeline() {
        runDir = SmallRun.dir();
        spark = SparkSession.builder()
                .master("local[2]")
                .config("spark.ui.enabled", "false")
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    private static Dataset<Row> table(String name) {
        return spark.read().parquet(runDir.resolve(name).toString());
    }

    @Test
    void everyStageIsDoneInTheManifestWithRowCounts() throws Exception {
        JsonNode manifest = Json.MAPPER.readTree(runDir.resolve("manifest.json").toFile());
        for (Stage stage : Pipeline.stages()) {
            JsonNode s = manifest.get("stages").get(stage.name());
            assertThat(s).as(stage.name()).isNotNull();
            assertThat(s.get("status").asText()).as(stage.name()).isEqualTo("done");
            assertThat(s.get("config_hash").asText()).isNotBlank();
            assertThat(s.get("seconds").asDouble()).isPositive();
        }
        assertThat(manifest.get("stages")
                        .get("generate")
                        .get("rows")
                        .get("traces")
                        .asLong())
                .isEqualTo(80L * 4);
    }

    @Test
    void tablesAreNonEmptyWithTheirSchemas() {
        for (String name : List.of(
                "problems",
                "traces",
                "labeled",
                "positives",
                "negatives",
                "pairs",
                "eval/generations",
                "metrics/sft",
                "metrics/redi")) {
            assertThat(table(name).count()).as(name).isPositive();
        }
        assertThat(table("traces").columns())
                .contains("problem_id", "sample_idx", "text", "finish_reason", "error", "generation_config");
        assertThat(table("labeled").columns()).contains("correct", "extracted", "reason", "verifier_version");
        assertThat(table("pairs").columns())
                .contains(
                        "problem_id",
                        "prompt",
                        "chosen",
                        "rejected",
                        "chosen_idx",
                        "rejected_idx",
                        "chosen_tokens",
                        "rejected_tokens");
    }

    @Test
    void positivesAreAllVerifiedCorrectAndNegativesAllIncorrect() {
        Dataset<Row> positives = table("positives").join(table("problems"), "problem_id");
        for (Row r : positives.select("completion", "gold").collectAsList()) {
            assertThat(MathVerifier.verify(r.getString(0), r.getString(1)).correct())
                    .as(r.getString(0))
                    .isTrue();
        }
        Dataset<Row> negatives = table("negatives").join(table("problems"), "problem_id");
        for (Row r : negatives.select("completion", "gold").collectAsList()) {
            assertThat(MathVerifier.verify(r.getString(0), r.getString(1)).correct())
                    .as(r.getString(0))
                    .isFalse();
        }
    }

    @Test
    void everyLabeledRowIsAPositiveANegativeOrAReject() {
        long labeled = table("labeled").count();
        long kept = table("positives").count() + table("negatives").count();
        long rejects = table("rejects").filter(col("stage").equalTo("split")).count();
        assertThat(kept + rejects).isEqualTo(labeled);
    }

    @Test
    void pairsShareAProblemAndDiffer() {
        for (Row r : table("pairs").select("chosen", "rejected").collectAsList()) {
            assertThat(r.getString(0)).isNotEqualTo(r.getString(1));
        }
    }

    @Test
    void checkpointsAreLoadableHuggingFaceFolders() {
        for (String dir : List.of("checkpoints/sft", "checkpoints/redi")) {
            Path folder = runDir.resolve(dir);
            assertThat(folder.resolve("config.json")).exists();
            assertThat(folder.resolve("tokenizer.json")).exists();
            assertThat(folder.resolve("tokenizer_config.json")).exists();
            try (NDManager manager = NDManager.newBaseManager();
                    Qwen2Model model = Qwen2Model.load(folder, manager)) {
                assertThat(model.parameterCount()).isPositive();
            }
        }
    }

    @Test
    void evaluationAndReportAreWritten() throws Exception {
        JsonNode summary =
                Json.MAPPER.readTree(runDir.resolve("eval/summary.json").toFile());
        long heldout = table("problems").filter(col("split").equalTo("heldout")).count();
        assertThat(heldout).isBetween(10L, 12L); // a held-out problem equal to a training problem is dropped
        for (String model : List.of("base", "sft", "redi")) {
            JsonNode s = summary.get("models").get(model).get(EvalProblems.SYNTHETIC);
            assertThat(s.get("pass@1").asDouble()).isBetween(0.0, 1.0);
            assertThat(s.get("problems").asLong()).isEqualTo(heldout);
        }
        assertThat(table("eval/generations").count()).isEqualTo(3L * heldout * 2);
        Path report = runDir.resolve("report/index.html");
        assertThat(report).exists();
        String html = Files.readString(report);
        assertThat(html).contains("sft-loss.png", "redi-logps.png", "accuracy.png");
        assertThat(runDir.resolve("report/sft-loss.png")).exists();
    }
}
