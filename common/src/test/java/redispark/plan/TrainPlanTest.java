package redispark.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import redispark.model.KernelPath;
import redispark.model.LayerKernel;
import redispark.model.ModelConfig;

class TrainPlanTest {

    static final Path QWEN_1_5B = Path.of("..", "conf", "models", "qwen2.5-math-1.5b.json");

    static PlanRequest paper(LayerKernel.ComputeType dtype, KernelPath.Recompute recompute, Attention attention) {
        return new PlanRequest(
                ModelConfig.read(QWEN_1_5B),
                19_000,
                19_000,
                1,
                8,
                dtype,
                recompute,
                attention,
                2048,
                dtype == LayerKernel.ComputeType.BF16 ? 400 : 50,
                12.5,
                80,
                0);
    }

    @Test
    void theShippedQwen15bConfigParsesToItsPublishedShape() {
        ModelConfig m = ModelConfig.read(QWEN_1_5B);
        assertThat(m.hiddenSize()).isEqualTo(1536);
        assertThat(m.numLayers()).isEqualTo(28);
        assertThat(m.headDim()).isEqualTo(128);
        assertThat(m.groups()).isEqualTo(6);
        assertThat(m.tieWordEmbeddings()).isTrue();
        // 151,936 × 1536 embedding + 28 × 46,797,824 per layer + 1536 final norm
        assertThat(TrainPlan.parameterCount(m)).isEqualTo(1_543_714_304L);
    }

    @Test
    void paperScaleInBf16WithLayerRecomputeFitsUnder45GiB() {
        TrainPlan p = TrainPlan.of(paper(LayerKernel.ComputeType.BF16, KernelPath.Recompute.LAYER, Attention.SDPA));
        assertThat(p.fits()).isTrue();
        assertThat(p.peakGib()).isLessThanOrEqualTo(45).isGreaterThan(16.0 * p.params() / (1 << 30));
        assertThat(p.line())
                .matches("plan params=1\\.54e9 peak_gib=[0-9.]+ step_s=[0-9.]+ exchange_gb=10\\.81 " + "fits=true");
    }

    @Test
    void fp32WithoutRecomputeAndEagerAttentionNeedsAboutATerabyte() {
        TrainPlan p = TrainPlan.of(paper(LayerKernel.ComputeType.FP32, KernelPath.Recompute.OFF, Attention.EAGER));
        assertThat(p.fits()).isFalse();
        assertThat(p.peakGib()).isBetween(700.0, 1500.0);
        assertThat(p.line()).endsWith("fits=false");
    }

    @Test
    void ringExchangeSendsTwoTimesSevenEighthsOfTheFp32Gradients() {
        TrainPlan p = TrainPlan.of(paper(LayerKernel.ComputeType.BF16, KernelPath.Recompute.LAYER, Attention.SDPA));
        assertThat(p.exchangeBytes()).isCloseTo(2.0 * 7 / 8 * 4 * 1_543_714_304L, within(1.0));
        assertThat(p.exchangeSeconds()).isCloseTo(p.exchangeBytes() / 12.5e9, within(1e-9));
    }

    @Test
    void recomputeCostsOneMoreForwardOfTheLayerStack() {
        TrainPlan off = TrainPlan.of(paper(LayerKernel.ComputeType.BF16, KernelPath.Recompute.OFF, Attention.SDPA));
        TrainPlan layer = TrainPlan.of(paper(LayerKernel.ComputeType.BF16, KernelPath.Recompute.LAYER, Attention.SDPA));
        double ratio = layer.flops() / off.flops();
        assertThat(ratio).isGreaterThan(1.2).isLessThan(4.0 / 3);
        assertThat(layer.peakGib()).isLessThan(off.peakGib() / 2);
    }

    @Test
    void scientificNotationHasTwoDecimalsAndABareExponent() {
        assertThat(TrainPlan.scientific(1_543_714_304L)).isEqualTo("1.54e9");
        assertThat(TrainPlan.scientific(42_832_128L)).isEqualTo("4.28e7");
        assertThat(TrainPlan.scientific(9_996_000L)).isEqualTo("1.00e7");
    }
}
