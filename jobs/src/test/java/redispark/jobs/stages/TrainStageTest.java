package redispark.jobs.stages;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.jobs.config.RediConfig;
import redispark.jobs.run.Json;
import redispark.jobs.run.RunDir;
import redispark.jobs.spark.SparkSessions;
import redispark.model.Qwen2Model;
import redispark.train.Checkpoints;
import redispark.train.TrainerState;
import redispark.train.objective.Objective;

/**
 * The train stages on a small run directory in Spark local mode: DPO's reference log-probs are computed once and
 * reused, unpaired REDI uses every positive and negative, and a run stopped after one step resumes from its
 * checkpoint.
 */
class TrainStageTest {
    @TempDir
    static Path runDir;

    static SparkSession spark;
    static int threads;

    static final List<String> BASE = List.of(
            "problems.count=24",
            "problems.heldout-count=2",
            "teacher.samples=3",
            "train.sft.epochs=1",
            "train.sft.batch-size=8",
            "train.sft.micro-batch-size=8",
            "train.progress=false");

    static StageContext context(String... sets) {
        List<String> all = new ArrayList<>(BASE);
        all.addAll(List.of(sets));
        return new StageContext(spark, RunDir.open(spark, runDir.toString()), RediConfig.load(null, all));
    }

    @BeforeAll
    static void prepare() {
        RediConfig config = RediConfig.load(null, BASE);
        spark = SparkSessions.getOrCreate(config);
        ai.djl.engine.Engine.getEngine("PyTorch");
        threads = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(1); // tiny model on a shared machine: no OpenMP spin
        for (Stage s :
                List.of(new GenerateStage(), new LabelStage(), new SplitStage(), new TrainStage(Objective.SFT))) {
            StageRunner.run(s, context());
        }
    }

    @AfterAll
    static void stop() {
        ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
        if (spark != null) {
            spark.stop();
        }
    }

    @Test
    void dpoComputesTheReferenceLogProbsOnceAndReusesThem() throws Exception {
        StageOutcome first = StageRunner.run(new TrainStage(Objective.DPO), context("train.dpo.batch-size=4"));
        long pairs = spark.read().parquet(runDir.resolve("pairs").toString()).count();
        assertThat(first.rows().get("ref_logps_computed")).isEqualTo(pairs);
        // another DPO run (another beta) over the same pairs and SFT model reuses the table
        // forced: an up-to-date stage would otherwise be skipped without running at all
        StageOutcome second = StageRunner.run(
                new TrainStage(Objective.DPO), context("train.dpo.batch-size=4", "train.dpo.beta=0.2"), true);
        assertThat(second.rows().get("ref_logps_computed")).isZero();
        String table = first.rows().keySet().stream()
                .filter(k -> k.startsWith("ref_logps/"))
                .findFirst()
                .orElseThrow();
        assertThat(second.rows()).containsKey(table);
        List<Row> ref = spark.read()
                .parquet(runDir.resolve(table).toString())
                .filter(col("reason").isNull())
                .select("ref_chosen_logps", "ref_rejected_logps")
                .collectAsList();
        assertThat(ref).isNotEmpty().allSatisfy(r -> assertThat(r.getDouble(0)).isNegative());
        JsonNode record = Json.MAPPER.readTree(runDir.resolve(table + ".json").toFile());
        assertThat(record.get("model").asText()).hasSize(64);
        assertThat(record.get("data").asText()).hasSize(64);
        // policy = reference at the first step: the loss is ln 2
        Map<String, Double> step1 = Json.readDoubles(
                Files.readAllLines(runDir.resolve("metrics/dpo.jsonl")).get(0));
        assertThat(step1.get("loss")).isCloseTo(Math.log(2), org.assertj.core.api.Assertions.within(1e-4));
        assertThat(step1).containsKeys("ref_logps/chosen", "rewards/margins", "rewards/accuracies");
        try (NDManager m = NDManager.newBaseManager();
                Qwen2Model model = Qwen2Model.load(runDir.resolve("checkpoints/dpo"), m)) {
            assertThat(model.parameterCount()).isPositive();
        }
        // a changed pairs table or model changes the hash: another SFT model gives another table
        assertThat(table).matches("ref_logps/[0-9a-f]{16}");
    }

    @Test
    void unpairedRediTrainsOnEveryPositiveAndEveryNegative() throws Exception {
        StageOutcome out = StageRunner.run(new TrainStage(Objective.REDI_UNPAIRED), context());
        long positives =
                spark.read().parquet(runDir.resolve("positives").toString()).count();
        long negatives =
                spark.read().parquet(runDir.resolve("negatives").toString()).count();
        double trained = 0;
        for (String line : Files.readAllLines(runDir.resolve("metrics/redi-unpaired.jsonl"))) {
            Map<String, Double> m = Json.readDoubles(line);
            trained += m.get("count/pos") + m.get("count/neg");
        }
        long refused =
                out.rejects().values().stream().mapToLong(Long::longValue).sum();
        assertThat(out.rows().get("examples")).isEqualTo(positives + negatives);
        assertThat((long) trained + refused).isEqualTo(positives + negatives);
    }

    @Test
    void aRunStoppedAfterOneStepResumesFromItsCheckpoint() throws Exception {
        StageOutcome stopped = StageRunner.run(
                new TrainStage(Objective.REDI),
                context("train.max-steps=1", "train.checkpoint-every=1", "train.redi.batch-size=4"));
        assertThat(stopped.rows().get("steps")).isEqualTo(1L);
        Path resume = runDir.resolve("checkpoints/redi.resume");
        assertThat(Checkpoints.resumable(resume)).isTrue();
        assertThat(TrainerState.read(resume.resolve(Checkpoints.TRAINER_STATE)).globalStep())
                .isEqualTo(1);
        StageOutcome resumed = StageRunner.run(
                new TrainStage(Objective.REDI), context("train.checkpoint-every=1", "train.redi.batch-size=4"));
        long steps = resumed.rows().get("steps");
        assertThat(steps).isGreaterThan(1L);
        List<String> lines = Files.readAllLines(runDir.resolve("metrics/redi.jsonl"));
        assertThat(lines).hasSize((int) steps);
        for (int i = 0; i < lines.size(); i++) {
            assertThat(Json.readDoubles(lines.get(i)).get("global_step")).isEqualTo(i + 1.0);
        }
        assertThat(resume).doesNotExist();
        TrainerState done = TrainerState.read(runDir.resolve("checkpoints/redi/" + Checkpoints.TRAINER_STATE));
        assertThat(done.finished()).isTrue();
        assertThat(done.globalStep()).isEqualTo((int) steps);
    }

    /** A train stage that fails after it has published its checkpoint, as a lost driver or executor can. */
    private record FailingAfterPublish(TrainStage stage) implements Stage {
        @Override
        public String name() {
            return stage.name();
        }

        @Override
        public List<String> configPaths() {
            return stage.configPaths();
        }

        @Override
        public List<String> inputs() {
            return stage.inputs();
        }

        @Override
        public List<String> outputs() {
            return stage.outputs();
        }

        @Override
        public StageOutcome run(StageContext context) {
            stage.run(context);
            throw sneaky(new org.apache.spark.SparkException("Job aborted: executor lost"));
        }

        @SuppressWarnings("unchecked")
        private static <E extends Throwable> E sneaky(Throwable e) throws E {
            throw (E) e;
        }
    }

    @Test
    void aRunAtAnotherLearningRateThatFailsAfterPublishingMakesTheNextRunRetrain() throws Exception {
        Path weights = runDir.resolve("checkpoints/sft/model.safetensors");
        byte[] original = Files.readAllBytes(weights);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> StageRunner.run(
                        new FailingAfterPublish(new TrainStage(Objective.SFT)),
                        context("train.sft.learning-rate=3e-2")))
                .hasMessageContaining("executor lost");
        assertThat(Files.readAllBytes(weights))
                .as("the other run's weights were published")
                .isNotEqualTo(original);
        assertThat(context().run().manifest().stages().get("train-sft").status())
                .isEqualTo("failed");

        StageRunner.run(new TrainStage(Objective.SFT), context());

        assertThat(context().run().manifest().stages().get("train-sft").status())
                .isEqualTo("done");
        assertThat(Files.readAllBytes(weights))
                .as("retrained with the original config")
                .isEqualTo(original);
    }

    @Test
    void aCheckpointReplacedBehindADoneRecordMakesTheNextRunRetrain() throws Exception {
        var recorded = context().run().manifest();
        Path weights = runDir.resolve("checkpoints/sft/model.safetensors");
        byte[] original = Files.readAllBytes(weights);
        StageRunner.run(new TrainStage(Objective.SFT), context("train.sft.learning-rate=3e-2"));
        // as a process killed after publishing, before its manifest write, leaves it
        context().run().saveManifest(recorded);

        StageRunner.run(new TrainStage(Objective.SFT), context());

        assertThat(Files.readAllBytes(weights)).isEqualTo(original);
    }
}
