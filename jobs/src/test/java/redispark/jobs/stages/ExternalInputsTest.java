package redispark.jobs.stages;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import redispark.jobs.config.RediConfig;

/** Which files outside the run directory each stage's fingerprints cover, as its settings name them. */
class ExternalInputsTest {

    private static List<String> of(String stage, String... settings) {
        Stage named = Pipeline.stages().stream()
                .filter(s -> s.name().equals(stage))
                .findFirst()
                .orElseThrow();
        return named.externalInputs(RediConfig.load(null, List.of(settings)));
    }

    @Test
    void theEmbeddedRunReadsNothingOutsideItsDirectory() {
        for (Stage stage : Pipeline.stages()) {
            assertThat(of(stage.name())).as(stage.name()).isEmpty();
        }
    }

    @Test
    void generateCoversTheProblemTableTheBenchmarkFilesTheImportAndTheLocalTeacher() {
        assertThat(of("generate", "problems.source=table", "problems.table.path=\"/data/problems.jsonl\""))
                .containsExactly("/data/problems.jsonl");
        assertThat(of(
                        "generate",
                        "problems.source=benchmark",
                        "problems.benchmark.dir=\"s3a://b/bench/\"",
                        "problems.benchmark.names=[math500, aime24]"))
                .containsExactly("s3a://b/bench/math500.jsonl", "s3a://b/bench/aime24.jsonl");
        assertThat(of(
                        "generate",
                        "teacher.kind=openr1",
                        "teacher.openr1.path=\"/data/openr1\"",
                        "problems.source=table",
                        "problems.table.path=\"/ignored\""))
                .as("the import brings its own problems")
                .containsExactly("/data/openr1");
        assertThat(of("generate", "teacher.kind=local", "teacher.local.model-dir=\"/models/teacher\""))
                .containsExactly("/models/teacher");
    }

    @Test
    void splitCoversAStudentBaseFolderAndEvalItsBenchmarkFiles() {
        assertThat(of("split", "student.base=\"/models/qwen\"")).containsExactly("/models/qwen");
        assertThat(of("eval", "eval.benchmarks=[synthetic, gsm8k]", "eval.benchmarks-dir=\"/bench\""))
                .containsExactly("/bench/gsm8k.jsonl");
        assertThat(of("train-sft", "student.base=\"/models/qwen\""))
                .as("reads the base through checkpoints/base")
                .isEmpty();
    }
}
