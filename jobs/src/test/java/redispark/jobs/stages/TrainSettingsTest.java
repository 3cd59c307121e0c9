package redispark.jobs.stages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.jobs.config.RediConfig;
import redispark.model.HostStaging;
import redispark.model.KernelPath;
import redispark.model.LayerKernel;
import redispark.train.CollapseAlarm;
import redispark.train.Preset;
import redispark.train.Recipe;
import redispark.train.StepCompute;
import redispark.train.TrainConfig;
import redispark.train.objective.Objective;

class TrainSettingsTest {
    @TempDir
    Path dir;

    private static TrainConfig resolve(Objective o, String... sets) {
        return TrainSettings.resolve(RediConfig.load(null, List.of(sets)), o);
    }

    @Test
    void theEmbeddedDefaultsAreTheTinyPresetForEveryObjective() {
        RediConfig defaults = RediConfig.defaults();
        for (Objective o : Objective.values()) {
            Recipe tiny = Preset.TINY.recipe(o);
            String s = TrainSettings.section(o) + ".";
            assertThat(defaults.getDouble(s + "learning-rate")).as(o + " lr").isEqualTo(tiny.learningRate());
            assertThat(defaults.getInt(s + "epochs")).as(o + " epochs").isEqualTo(tiny.epochs());
            assertThat(defaults.getInt(s + "batch-size")).as(o + " batch").isEqualTo(tiny.batchSize());
            assertThat(defaults.getInt(s + "micro-batch-size")).as(o + " micro").isEqualTo(tiny.microBatchSize());
            assertThat(defaults.getDouble(s + "warmup-ratio")).isEqualTo(tiny.warmupRatio());
            assertThat(defaults.getDouble(s + "weight-decay")).isEqualTo(tiny.weightDecay());
            assertThat(defaults.getDouble(s + "grad-clip")).isEqualTo(tiny.gradClip());
            assertThat(defaults.getLong(s + "seed")).as(o + " seed").isEqualTo(tiny.seed());
            for (String k : List.of("alpha", "beta", "gamma")) {
                double expected = switch (k) {
                    case "alpha" -> tiny.alpha();
                    case "beta" -> tiny.beta();
                    default -> tiny.gamma();
                };
                if (defaults.raw().hasPath(s + k)) {
                    assertThat(defaults.getDouble(s + k)).as(o + " " + k).isEqualTo(expected);
                } else {
                    assertThat(expected)
                            .as(o + " " + k + " has no key, so the preset must not use it")
                            .isZero();
                }
            }
            assertThat(TrainSettings.resolve(defaults, o).recipe()).isEqualTo(tiny);
        }
        assertThat(TrainSettings.resolve(defaults, Objective.REDI).collapse())
                .isEqualTo(CollapseAlarm.Settings.defaults());
    }

    @Test
    void thePaperPresetAppliesToKeysNotSetExplicitly() {
        assertThat(resolve(Objective.REDI, "train.preset=paper").recipe())
                .isEqualTo(Preset.PAPER.recipe(Objective.REDI));
        Recipe r = resolve(Objective.REDI, "train.preset=paper", "train.redi.learning-rate=5e-7")
                .recipe();
        assertThat(r).isEqualTo(Preset.PAPER.recipe(Objective.REDI).withLearningRate(5e-7));
        Recipe dpo = resolve(Objective.DPO, "train.dpo.preset=paper").recipe();
        assertThat(List.of(dpo.beta(), dpo.learningRate())).containsExactly(0.001, 2e-7);
        assertThat(resolve(Objective.SFT, "train.dpo.preset=paper").recipe())
                .isEqualTo(Preset.TINY.recipe(Objective.SFT));
    }

    @Test
    void explicitKeysOverrideTheTinyPresetToo() {
        assertThat(resolve(Objective.SFT, "train.sft.epochs=1").recipe())
                .isEqualTo(Preset.TINY.recipe(Objective.SFT).withEpochs(1));
        // a key set to the same value as the default is still explicit: it survives a preset change
        assertThat(resolve(Objective.REDI, "train.preset=paper", "train.redi.alpha=0.8", "train.redi.batch-size=8")
                        .recipe()
                        .batchSize())
                .isEqualTo(8);
    }

    @Test
    void anEnvironmentFileCountsAsExplicit() throws Exception {
        Path env = dir.resolve("cluster.conf");
        Files.writeString(env, "train { preset = \"paper\", simpo { gamma = 0.5 } }\n");
        Recipe r = TrainSettings.resolve(RediConfig.load(new File(env.toString()), List.of()), Objective.SIMPO)
                .recipe();
        assertThat(r).isEqualTo(Preset.PAPER.recipe(Objective.SIMPO).withGamma(0.5));
    }

    @Test
    void invalidSettingsNameTheKey() {
        assertThatThrownBy(() -> resolve(Objective.DPO, "train.dpo.alpha=0.5"))
                .hasMessageContaining("unknown config key 'train.dpo.alpha'");
        assertThatThrownBy(() -> resolve(Objective.REDI, "train.collapse.action=stop"))
                .hasMessageContaining("checkpoint-every");
        assertThatThrownBy(() -> resolve(Objective.REDI, "train.preset=huge")).hasMessageContaining("unknown preset");
        assertThatThrownBy(() -> resolve(Objective.SIMPO, "train.simpo.beta=0")).hasMessageContaining("beta");
    }

    @Test
    void theComputeKeysResolveAndTheEmbeddedDefaultIsTheLibraryDefault() {
        assertThat(resolve(Objective.SFT).compute()).isEqualTo(StepCompute.defaults());
        StepCompute c = resolve(
                        Objective.REDI,
                        "train.path=kernel",
                        "train.recompute=layer",
                        "train.dtype=bf16",
                        "train.logprob-chunk=256",
                        "train.max-tokens-per-micro-batch=20000",
                        "train.dist.staging=force")
                .compute();
        assertThat(c)
                .isEqualTo(new StepCompute(
                        StepCompute.TrainPath.KERNEL,
                        KernelPath.Recompute.LAYER,
                        LayerKernel.ComputeType.BF16,
                        256,
                        20000,
                        HostStaging.Mode.FORCE));
        assertThat(resolve(Objective.SFT, "train.path=eager").compute().path()).isEqualTo(StepCompute.TrainPath.EAGER);
    }

    @Test
    void badComputeValuesAreOneLineErrorsNamingTheKey() {
        assertThatThrownBy(() -> resolve(Objective.SFT, "train.path=fast"))
                .hasMessageContaining("train.path")
                .hasMessageContaining("kernel or eager");
        assertThatThrownBy(() -> resolve(Objective.SFT, "train.recompute=all"))
                .hasMessageContaining("train.recompute")
                .hasMessageContaining("layer or off");
        assertThatThrownBy(() -> resolve(Objective.SFT, "train.dtype=fp16"))
                .hasMessageContaining("train.dtype")
                .hasMessageContaining("fp32 or bf16");
        assertThatThrownBy(() -> resolve(Objective.SFT, "train.path=eager", "train.dtype=bf16"))
                .hasMessageContaining("needs train.path = kernel");
        assertThatThrownBy(() -> resolve(Objective.SFT, "train.logprob-chunk=0"))
                .hasMessageContaining("train.logprob-chunk must be >= 1");
    }
}
