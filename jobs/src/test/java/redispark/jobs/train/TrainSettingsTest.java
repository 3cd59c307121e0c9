package redispark.jobs.train;

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
import redispark.train.Recipe;
import redispark.train.StepCompute;
import redispark.train.TrainConfig;
import redispark.train.objective.Objective;

public class TrainSettingsTest {
    @TempDir
    Path dir;

    private static TrainConfig resolve(Objective o, String... sets) {
        return TrainSettings.resolve(RediConfig.load(null, List.of(sets)), o);
    }

    /** The embedded student's recipes, as conf/local.conf documents them. */
    static Recipe tiny(Objective o) {
        return switch (o) {
            case SFT -> new Recipe(3e-3, 4, 8, 8, 0.1, 1e-4, 1.0, 0, 0, 0, 3);
            case REDI -> new Recipe(6e-6, 1, 8, 8, 0.1, 1e-4, 1.0, 0.8, 0, 0, 5);
            case REDI_UNPAIRED -> new Recipe(6e-6, 1, 16, 16, 0.1, 1e-4, 1.0, 0.8, 0, 0, 5);
            case DPO -> new Recipe(6e-6, 1, 8, 8, 0.1, 1e-4, 1.0, 0, 0.1, 0, 5);
            case SIMPO -> new Recipe(6e-6, 1, 8, 8, 0.1, 1e-4, 1.0, 0, 2.0, 1.0, 5);
        };
    }

    /** Xu et al. 2025 as published (SFT App. C.3, REDI App. C.4, the best DPO and SimPO runs). */
    public static Recipe paper(Objective o) {
        return switch (o) {
            case SFT -> new Recipe(5e-5, 5, 128, 8, 0.1, 1e-4, 1.0, 0, 0, 0, 42);
            case REDI -> new Recipe(1e-6, 1, 32, 1, 0.1, 1e-4, 1.0, 0.8, 0, 0, 42);
            case REDI_UNPAIRED -> new Recipe(1e-6, 1, 64, 2, 0.1, 1e-4, 1.0, 0.8, 0, 0, 42);
            case DPO -> new Recipe(2e-7, 1, 32, 1, 0.1, 1e-4, 1.0, 0, 0.001, 0, 42);
            case SIMPO -> new Recipe(5e-7, 1, 32, 1, 0.1, 1e-4, 1.0, 0, 2.0, 1.0, 42);
        };
    }

    @Test
    void theEmbeddedDefaultsAreTheTinyRecipesAndThePaperPresetIsThePublishedOne() {
        RediConfig defaults = RediConfig.defaults();
        for (Objective o : Objective.values()) {
            assertThat(TrainSettings.resolve(defaults, o).recipe())
                    .as(o.label())
                    .isEqualTo(tiny(o));
            assertThat(resolve(o, "train.preset=paper").recipe()).as(o.label()).isEqualTo(paper(o));
        }
        assertThat(TrainSettings.resolve(defaults, Objective.REDI).collapse())
                .isEqualTo(CollapseAlarm.Settings.defaults());
    }

    @Test
    void theConfigIsTheOneSourceOfPresets() throws Exception {
        // an environment file that edits a preset's value, and one that defines its own preset
        Path env = dir.resolve("presets.conf");
        Files.writeString(
                env,
                "train { presets { paper { redi { batch-size = 16 } }, mine { sft { epochs = 2, seed = 9 } } } }\n");
        RediConfig config = RediConfig.load(new File(env.toString()), List.of());
        assertThat(TrainSettings.resolve(config.withOverrides(List.of("train.preset=paper")), Objective.REDI)
                        .recipe())
                .isEqualTo(paper(Objective.REDI).with(Recipe.Key.BATCH_SIZE, 16));
        assertThat(TrainSettings.resolve(config.withOverrides(List.of("train.sft.preset=mine")), Objective.SFT)
                        .recipe())
                .isEqualTo(tiny(Objective.SFT).with(Recipe.Key.EPOCHS, 2).with(Recipe.Key.SEED, 9));
        assertThatThrownBy(() -> resolve(Objective.SFT, "train.preset=huge"))
                .hasMessage("train.preset = \"huge\" (from --set): unknown preset (expected tiny or one of "
                        + "train.presets: paper)");
    }

    @Test
    void thePaperPresetAppliesToKeysNotSetExplicitly() {
        assertThat(resolve(Objective.REDI, "train.preset=paper").recipe()).isEqualTo(paper(Objective.REDI));
        Recipe r = resolve(Objective.REDI, "train.preset=paper", "train.redi.learning-rate=5e-7")
                .recipe();
        assertThat(r).isEqualTo(paper(Objective.REDI).with(Recipe.Key.LEARNING_RATE, 5e-7));
        Recipe dpo = resolve(Objective.DPO, "train.dpo.preset=paper").recipe();
        assertThat(List.of(dpo.beta(), dpo.learningRate())).containsExactly(0.001, 2e-7);
        assertThat(resolve(Objective.SFT, "train.dpo.preset=paper").recipe()).isEqualTo(tiny(Objective.SFT));
    }

    @Test
    void explicitKeysOverrideTheTinyPresetToo() {
        assertThat(resolve(Objective.SFT, "train.sft.epochs=1").recipe())
                .isEqualTo(tiny(Objective.SFT).with(Recipe.Key.EPOCHS, 1));
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
        assertThat(r).isEqualTo(paper(Objective.SIMPO).with(Recipe.Key.GAMMA, 0.5));
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

    @Test
    void theRingKeysResolveAndBadOnesAreOneLineErrorsNamingTheKey() {
        var defaults = TrainSettings.ring(RediConfig.load(null, List.of()));
        assertThat(defaults.links()).isEqualTo(1);
        assertThat(defaults.wireFormat()).isEqualTo(redispark.dist.WireFormat.FP32);
        var set =
                TrainSettings.ring(RediConfig.load(null, List.of("train.dist.links=4", "train.dist.wire-format=bf16")));
        assertThat(set.links()).isEqualTo(4);
        assertThat(set.wireFormat()).isEqualTo(redispark.dist.WireFormat.BF16);
        assertThat(set.renewed().links()).isEqualTo(4);
        assertThatThrownBy(() -> TrainSettings.ring(RediConfig.load(null, List.of("train.dist.wire-format=fp16"))))
                .hasMessageContaining("train.dist.wire-format")
                .hasMessageContaining("fp32 or bf16");
        assertThatThrownBy(() -> TrainSettings.ring(RediConfig.load(null, List.of("train.dist.links=0"))))
                .hasMessageContaining("train.dist.links must be 1..16");
    }
}
