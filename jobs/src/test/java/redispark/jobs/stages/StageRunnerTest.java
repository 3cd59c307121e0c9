package redispark.jobs.stages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkException;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.jobs.config.RediConfig;
import redispark.jobs.run.RunDir;
import redispark.jobs.run.StageFailure;
import redispark.jobs.spark.SparkSessions;
import redispark.run.RunManifest.StageRecord;

/**
 * What {@link StageRunner} records: {@code running} before a stage writes, {@code failed} with the first line of any
 * error (a {@code SparkException} too), outputs fingerprinted so a changed output reruns the stage, and staging
 * leftovers removed before a stage starts and when it fails.
 */
class StageRunnerTest {
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSessions.getOrCreate(RediConfig.load(null, List.of()));
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static StageContext context(Path dir) {
        return new StageContext(spark, RunDir.open(spark, dir.toString()), RediConfig.load(null, List.of()));
    }

    /** Writes {@code out/part.txt}, records what the manifest said while it ran, then does {@code after}. */
    static final class WritingStage implements Stage {
        final List<String> statusesSeenWhileRunning = new ArrayList<>();
        int runs;
        Runnable after = () -> {};

        @Override
        public String name() {
            return "writer";
        }

        @Override
        public List<String> configPaths() {
            return List.of("problems");
        }

        @Override
        public List<String> outputs() {
            return List.of("out");
        }

        @Override
        public StageOutcome run(StageContext context) {
            runs++;
            statusesSeenWhileRunning.add(
                    context.run().manifest().stages().get(name()).status());
            context.run().files().writeText(context.run().path("out/part.txt"), "run " + runs + "\n");
            after.run();
            return StageOutcome.of(Map.of("out", 1L), Map.of());
        }
    }

    private static StageRecord record(StageContext context, String stage) {
        return context.run().manifest().stages().get(stage);
    }

    @Test
    void aStageIsRecordedRunningBeforeItWritesAndDoneAfter(@TempDir Path dir) {
        WritingStage stage = new WritingStage();
        StageRunner.run(stage, context(dir));
        assertThat(stage.statusesSeenWhileRunning).containsExactly("running");
        StageRecord done = record(context(dir), "writer");
        assertThat(done.status()).isEqualTo("done");
        assertThat(done.outputs()).containsOnlyKeys("out");
        StageRunner.run(stage, context(dir));
        assertThat(stage.runs).as("up to date: skipped").isEqualTo(1);
    }

    @Test
    void aSparkExceptionInsideAStageRecordsFailedWithItsFirstLine(@TempDir Path dir) {
        WritingStage stage = new WritingStage();
        stage.after = () -> sneakyThrow(new SparkException(
                "Job aborted due to stage failure: the executor ran out of disk\n\tat org.apache.spark.Somewhere"));
        assertThatThrownBy(() -> StageRunner.run(stage, context(dir)))
                .isInstanceOf(StageFailure.class)
                .hasCauseInstanceOf(SparkException.class)
                .hasMessage("writer failed: SparkException: Job aborted due to stage failure: the executor ran out"
                        + " of disk");
        StageRecord failed = record(context(dir), "writer");
        assertThat(failed.status()).isEqualTo("failed");
        assertThat(failed.error())
                .isEqualTo("SparkException: Job aborted due to stage failure: the executor ran out of disk");
        stage.after = () -> {};
        StageRunner.run(stage, context(dir));
        assertThat(stage.runs).as("a failed stage runs again").isEqualTo(2);
    }

    @Test
    void anErrorIsRecordedAndRethrownAsItIs(@TempDir Path dir) {
        WritingStage stage = new WritingStage();
        stage.after = () -> {
            throw new StackOverflowError("deep");
        };
        assertThatThrownBy(() -> StageRunner.run(stage, context(dir))).isInstanceOf(StackOverflowError.class);
        assertThat(record(context(dir), "writer").error()).isEqualTo("StackOverflowError: deep");
    }

    @Test
    void aChangedOrExtraOutputFileRerunsTheStage(@TempDir Path dir) throws Exception {
        WritingStage stage = new WritingStage();
        StageRunner.run(stage, context(dir));
        Files.writeString(dir.resolve("out/extra.txt"), "written by another run");
        StageRunner.run(stage, context(dir));
        assertThat(stage.runs).isEqualTo(2);
        Files.delete(dir.resolve("out/extra.txt"));
        StageRunner.run(stage, context(dir));
        assertThat(stage.runs).isEqualTo(3);
        StageRunner.run(stage, context(dir));
        assertThat(stage.runs).isEqualTo(3);
    }

    @Test
    void aRunThatDiedWhileRunningIsNotUpToDate(@TempDir Path dir) {
        WritingStage stage = new WritingStage();
        StageRunner.run(stage, context(dir));
        RunDir run = context(dir).run();
        var manifest = run.manifest();
        StageRecord done = manifest.stages().get("writer");
        manifest.put("writer", StageRecord.running(done.configHash(), done.inputs()));
        run.saveManifest(manifest); // as a process killed after the stage wrote its outputs leaves it
        StageRunner.run(stage, context(dir));
        assertThat(stage.runs).isEqualTo(2);
    }

    @Test
    void stagingLeftoversAreRemovedBeforeAStageStartsAndWhenItFails(@TempDir Path dir) throws Exception {
        Path leftTable = Files.createDirectories(dir.resolve("._staging-traces-123"));
        Files.writeString(leftTable.resolve("part-0.parquet"), "half");
        Path leftCheckpoint = Files.createDirectories(dir.resolve("checkpoints/._staging-sft-456"));
        Files.createDirectories(dir.resolve("checkpoints/sft"));
        WritingStage stage = new WritingStage();
        StageRunner.run(stage, context(dir));
        assertThat(leftTable).doesNotExist();
        assertThat(leftCheckpoint).doesNotExist();
        assertThat(dir.resolve("checkpoints/sft")).isDirectory();

        stage.after = () -> {
            try {
                Files.createDirectories(dir.resolve("checkpoints/._staging-redi-789"));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            throw new IllegalStateException("the teacher went away");
        };
        assertThatThrownBy(() -> StageRunner.run(stage, context(dir), true)).hasMessage("the teacher went away");
        assertThat(dir.resolve("checkpoints/._staging-redi-789")).doesNotExist();
        assertThat(record(context(dir), "writer").error()).isEqualTo("IllegalStateException: the teacher went away");
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> void sneakyThrow(Throwable e) throws E {
        throw (E) e;
    }
}
