package redispark.jobs.spark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.jobs.config.RediConfig;
import redispark.jobs.run.RunDir;
import redispark.jobs.stages.GenerateStage;
import redispark.jobs.stages.LabelStage;
import redispark.jobs.stages.SplitStage;
import redispark.jobs.stages.Stage;
import redispark.jobs.stages.StageContext;
import redispark.jobs.stages.StageOutcome;
import redispark.jobs.stages.StageRunner;
import redispark.jobs.stages.TrainStage;
import redispark.train.objective.Objective;

/**
 * Data-parallel training in Spark {@code local[2]}: two ranks (two barrier tasks, two DJL replicas in one JVM) train
 * like one worker with the same global batch, and their replicas stay bit-identical at every checkpoint.
 */
class DataParallelTrainingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path runDir;

    static SparkSession spark;
    static int threads;

    /** 24 problems × 3 samples: about 24 selected positives, batches of 2 over 2 epochs, so at least 20 steps. */
    static final List<String> BASE = List.of(
            "problems.count=24",
            "problems.heldout-count=2",
            "teacher.samples=3",
            "train.sft.epochs=2",
            "train.sft.batch-size=2",
            "train.sft.micro-batch-size=1",
            "train.progress=false",
            "train.checkpoint-every=5",
            "train.redi.batch-size=4");

    static StageContext context(String... sets) {
        List<String> all = new ArrayList<>(BASE);
        all.addAll(List.of(sets));
        return new StageContext(spark, RunDir.open(spark, runDir.toString()), RediConfig.load(null, all));
    }

    @BeforeAll
    static void prepare() {
        spark = SparkSessions.getOrCreate(RediConfig.load(null, BASE));
        ai.djl.engine.Engine.getEngine("PyTorch");
        threads = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
        for (Stage s : List.of(new GenerateStage(), new LabelStage(), new SplitStage())) {
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

    private static List<Map<String, Double>> metrics(String objective) throws Exception {
        List<Map<String, Double>> out = new ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics/" + objective + ".jsonl"))) {
            Map<String, Double> m = new java.util.LinkedHashMap<>();
            JSON.readTree(line)
                    .fields()
                    .forEachRemaining(e -> m.put(e.getKey(), e.getValue().asDouble()));
            out.add(m);
        }
        return out;
    }

    @Test
    void twoRanksMatchOneWorkerWithTheSameGlobalBatchAndStayIdentical() throws Exception {
        StageOutcome one = StageRunner.run(new TrainStage(Objective.SFT), context("train.workers=1"), true);
        List<Map<String, Double>> single = metrics("sft");
        StageOutcome two = StageRunner.run(new TrainStage(Objective.SFT), context("train.workers=2"), true);
        List<Map<String, Double>> pair = metrics("sft");

        assertThat(two.rows().get("steps")).isEqualTo(one.rows().get("steps")).isGreaterThanOrEqualTo(20L);
        assertThat(pair).hasSameSizeAs(single);
        for (int i = 0; i < 20; i++) {
            double a = single.get(i).get("loss");
            double b = pair.get(i).get("loss");
            assertThat(Math.abs(a - b) / Math.abs(a))
                    .as("relative loss difference at step %d (%s vs %s)", i + 1, a, b)
                    .isLessThanOrEqualTo(1e-5);
            assertThat(pair.get(i).get("num_tokens")).isEqualTo(single.get(i).get("num_tokens"));
            assertThat(pair.get(i)).containsKey("comm_time");
        }
        // every checkpoint (every 5 steps and the last) carries both ranks' weight hashes, equal
        JsonNode hashes =
                JSON.readTree(runDir.resolve("metrics/sft.replicas.json").toFile());
        long steps = two.rows().get("steps");
        assertThat(hashes.size()).isEqualTo((int) (steps / 5 + (steps % 5 == 0 ? 0 : 1)));
        Iterator<Map.Entry<String, JsonNode>> it = hashes.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            assertThat(e.getValue().size()).as("ranks at step %s", e.getKey()).isEqualTo(2);
            assertThat(e.getValue().get(0).asText())
                    .as("step %s", e.getKey())
                    .hasSize(16)
                    .isEqualTo(e.getValue().get(1).asText());
        }
    }

    @Test
    void forcedHostStagingTrainsTheSameBitsAsTheDirectExchange() throws Exception {
        // the staged exchange is what a GPU replica runs; forced on the CPU it must change nothing at all
        assertTrainsTheSameBitsAsTheDefault("train.dist.staging=force");
    }

    @Test
    void threeLinksPerEdgeTrainTheSameBitsAsOne() throws Exception {
        assertTrainsTheSameBitsAsTheDefault("train.dist.links=3");
    }

    /** Two-replica SFT with {@code setting} gives the same losses, gradient norms and weights as without it. */
    private static void assertTrainsTheSameBitsAsTheDefault(String setting) throws Exception {
        StageRunner.run(new TrainStage(Objective.SFT), context("train.workers=2", "train.sft.epochs=1"), true);
        List<Map<String, Double>> reference = metrics("sft");
        JsonNode referenceHashes =
                JSON.readTree(runDir.resolve("metrics/sft.replicas.json").toFile());
        StageRunner.run(new TrainStage(Objective.SFT), context("train.workers=2", "train.sft.epochs=1", setting), true);
        List<Map<String, Double>> changed = metrics("sft");
        assertThat(changed).as(setting).hasSameSizeAs(reference).hasSizeGreaterThan(5);
        for (int i = 0; i < changed.size(); i++) {
            assertThat(changed.get(i).get("loss"))
                    .as("%s: loss at step %d", setting, i + 1)
                    .isEqualTo(reference.get(i).get("loss"));
            assertThat(changed.get(i).get("grad_norm"))
                    .isEqualTo(reference.get(i).get("grad_norm"));
        }
        assertThat(JSON.readTree(runDir.resolve("metrics/sft.replicas.json").toFile()))
                .as(setting)
                .isEqualTo(referenceHashes);
    }

    @Test
    void bf16WireTrainsCloseToTheFloat32WireWithIdenticalReplicas() throws Exception {
        StageRunner.run(new TrainStage(Objective.SFT), context("train.workers=2"), true);
        List<Map<String, Double>> fp32 = metrics("sft");
        StageRunner.run(new TrainStage(Objective.SFT), context("train.workers=2", "train.dist.wire-format=bf16"), true);
        List<Map<String, Double>> bf16 = metrics("sft");
        assertThat(bf16).hasSameSizeAs(fp32).hasSizeGreaterThanOrEqualTo(20);
        StringBuilder curve = new StringBuilder("[redi-test] sft loss by step, fp32 wire / bf16 wire:");
        int differ = 0;
        double worst = 0;
        for (int i = 0; i < bf16.size(); i++) {
            double a = fp32.get(i).get("loss");
            double b = bf16.get(i).get("loss");
            curve.append(String.format(java.util.Locale.ROOT, " %d:%.4f/%.4f", i + 1, a, b));
            differ += a != b ? 1 : 0;
            worst = Math.max(worst, Math.abs(a - b) / Math.abs(a));
        }
        System.out.println(curve);
        System.out.printf(
                java.util.Locale.ROOT, "[redi-test] bf16 wire: largest relative loss difference %.2e%n", worst);
        // the first step's loss comes before any update; later ones see the rounded gradients
        assertThat(bf16.get(0).get("loss")).isEqualTo(fp32.get(0).get("loss"));
        assertThat(differ).isPositive();
        assertThat(worst).as("largest relative loss difference").isLessThan(0.02);
        Iterator<Map.Entry<String, JsonNode>> it = JSON.readTree(
                        runDir.resolve("metrics/sft.replicas.json").toFile())
                .fields();
        while (it.hasNext()) {
            JsonNode ranks = it.next().getValue();
            assertThat(ranks.get(0).asText()).isEqualTo(ranks.get(1).asText());
        }
    }

    @Test
    void askingForAGpuWithTheCpuEngineStopsAtOnceInOneLine() {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                redispark.model.EngineInfo.probe().engineGpus() == 0, "this machine's engine reaches a GPU");
        long start = System.nanoTime();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> StageRunner.run(
                        new TrainStage(Objective.SFT), context("train.workers=2", "train.device=gpu"), true))
                .hasMessageContaining("train.device = gpu, but the PyTorch engine loaded is the cpu build")
                .hasMessageContaining("PYTORCH_LIBRARY_PATH");
        assertThat((System.nanoTime() - start) / 1e9).isLessThan(5.0);
    }

    @Test
    void everyStageTwoObjectiveTrainsWithTwoRanks() throws Exception {
        if (!Files.isDirectory(runDir.resolve("checkpoints/sft"))) { // left by the other test when it ran first
            StageRunner.run(new TrainStage(Objective.SFT), context("train.workers=2", "train.sft.epochs=1"), true);
        }
        for (Objective o : List.of(Objective.REDI, Objective.REDI_UNPAIRED, Objective.DPO, Objective.SIMPO)) {
            StageOutcome out = StageRunner.run(
                    new TrainStage(o),
                    context(
                            "train.workers=2",
                            "train." + o.label() + ".batch-size=4",
                            "train." + o.label() + ".micro-batch-size=4"),
                    true);
            List<Map<String, Double>> m = metrics(o.label());
            assertThat(m)
                    .as(o.label())
                    .hasSize(out.rows().get("steps").intValue())
                    .isNotEmpty();
            assertThat(m).allSatisfy(step -> assertThat(step.get("loss")).isFinite());
            assertThat(runDir.resolve("checkpoints/" + o.label() + "/model.safetensors"))
                    .exists();
        }
    }
}
