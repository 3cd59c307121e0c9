package redispark.jobs.stages;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.util.List;
import org.junit.jupiter.api.Test;
import redispark.jobs.config.RediConfig;
import redispark.jobs.spark.BarrierTraining;
import redispark.jobs.train.TrainSettings;
import redispark.model.KernelPath;
import redispark.model.LayerKernel;
import redispark.model.ModelConfig;
import redispark.train.TrainConfig;
import redispark.train.objective.Objective;

/** conf/paper.conf carries the paper's whole recipe: a paper run trains what the paper trained. */
class PaperConfTest {

    private static final RediConfig PAPER = RediConfig.load(new File("../conf/paper.conf"), List.of());

    @Test
    void everyObjectiveTrainsThePapersRecipe() {
        for (Objective o : Objective.values()) {
            TrainConfig c = TrainSettings.resolve(PAPER, o);
            assertThat(c.recipe()).as(o.label()).isEqualTo(redispark.jobs.train.TrainSettingsTest.paper(o));
            assertThat(c.maxSeqLen()).isEqualTo(32768);
        }
        TrainConfig redi = TrainSettings.resolve(PAPER, Objective.REDI);
        assertThat(redi.learningRate()).isEqualTo(1e-6);
        assertThat(redi.batchSize()).isEqualTo(32);
        assertThat(redi.alpha()).isEqualTo(0.8);
        assertThat(TrainSettings.resolve(PAPER, Objective.SFT).learningRate()).isEqualTo(5e-5);
    }

    @Test
    void theModelIsPreparedAsThePaperPreparesIt() {
        assertThat(TrainSettings.resolve(PAPER, Objective.SFT).model())
                .isEqualTo(new ModelConfig.Overrides(32768, 300000));
        assertThat(TrainSettings.resolve(RediConfig.defaults(), Objective.SFT).model())
                .isEqualTo(ModelConfig.Overrides.NONE);
    }

    @Test
    void longTracesTrainOnTheKernelWithRecomputeAndBf16OnEightGpus() {
        var compute = TrainSettings.compute(PAPER);
        assertThat(compute.recompute()).isEqualTo(KernelPath.Recompute.LAYER);
        assertThat(compute.dtype()).isEqualTo(LayerKernel.ComputeType.BF16);
        assertThat(compute.logprobChunk()).isEqualTo(2048);
        BarrierTraining.Ring ring = TrainSettings.ring(PAPER);
        assertThat(ring.workers()).isEqualTo(8);
        assertThat(ring.placement()).isEqualTo(BarrierTraining.Placement.GPU);
        assertThat(PAPER.getString("teacher.kind")).isEqualTo("openr1");
        assertThat(PAPER.getInt("split.max-response-tokens")).isEqualTo(19000);
        assertThat(PAPER.raw().getStringList("teacher.openr1.drop-sources")).containsExactly("cn_k12");
        assertThat(PAPER.raw().getStringList("eval.benchmarks")).hasSize(5);
        assertThat(PAPER.getInt("eval.samples")).isEqualTo(16);
    }
}
