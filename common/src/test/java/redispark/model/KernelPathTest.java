package redispark.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The layer-kernel path against the eager reference model: logits, gradients, recompute, chunking, dtype guard. */
class KernelPathTest {

    static NDManager root;

    @BeforeAll
    static void engine() {
        Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(2);
        root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterAll
    static void close() {
        root.close();
    }

    /** GQA tied at theta 1e4; multi-head untied at theta 1e6; GQA untied with 4 groups at theta 3e5. */
    static List<ModelConfig> configs() {
        return List.of(
                new ModelConfig(97, 64, 96, 2, 4, 2, 10_000.0, 1e-6, 256, true, 0, 1),
                new ModelConfig(97, 64, 96, 2, 4, 4, 1_000_000.0, 1e-5, 256, false, 0, 1),
                new ModelConfig(83, 64, 80, 3, 8, 2, 300_000.0, 1e-6, 256, false, 0, 1));
    }

    static KernelPath.Options fp32(KernelPath.Recompute r, int chunk) {
        return new KernelPath.Options(LayerKernel.ComputeType.FP32, r, chunk);
    }

    /** A model whose biases and norm weights are random too, so every kernel argument matters. */
    static Qwen2Model model(ModelConfig c) {
        Qwen2Model model = Qwen2Model.create(c, 11, root);
        SplittableRandom rng = new SplittableRandom(5);
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDScope scope = new NDScope()) {
            for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                if (e.getValue().getShape().dimension() == 1) {
                    float[] noise = new float[(int) e.getValue().size()];
                    for (int i = 0; i < noise.length; i++) {
                        noise[i] = (float) (rng.nextGaussian() * 0.1);
                    }
                    e.getValue().addi(root.create(noise));
                }
            }
        } finally {
            JniUtils.setGradMode(grad);
        }
        return model;
    }

    static List<long[]> sequences(ModelConfig c, int... lengths) {
        SplittableRandom rng = new SplittableRandom(lengths.length * 31L + lengths[0]);
        List<long[]> out = new ArrayList<>();
        for (int n : lengths) {
            long[] s = new long[n];
            for (int i = 0; i < n; i++) {
                s[i] = rng.nextInt(c.vocabSize());
            }
            out.add(s);
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("configs")
    void kernelLogitsMatchTheEagerModel(ModelConfig c) {
        try (Qwen2Model model = model(c);
                NDManager m = root.newSubManager();
                NDScope scope = new NDScope()) {
            List<long[]> rows = sequences(c, 37, 37);
            long[] flat = new long[74];
            System.arraycopy(rows.get(0), 0, flat, 0, 37);
            System.arraycopy(rows.get(1), 0, flat, 37, 37);
            NDArray ids = m.create(flat, new Shape(2, 37));
            NDArray eager = model.forward(ids, m.ones(new Shape(2, 37), DataType.INT64));
            NDArray kernel = new KernelPath(model, fp32(KernelPath.Recompute.OFF, 64)).logits(ids);
            assertThat(kernel.getShape()).isEqualTo(eager.getShape());
            assertThat(kernel.sub(eager).abs().max().getFloat()).isLessThan(1e-5f);
        }
    }

    /** Gradients of Σ_r coef_r · (completion log-prob sum of row r) on the eager model, the reference. */
    static Map<String, float[]> eagerGradients(
            Qwen2Model model, List<long[]> rows, int[] prompts, float[] coef, double[] sums) {
        int t = rows.stream().mapToInt(s -> s.length).max().orElseThrow();
        int r = rows.size();
        long[] ids = new long[r * t];
        long[] attention = new long[r * t];
        long[] labels = new long[r * (t - 1)];
        float[] weights = new float[r * (t - 1)];
        float[] mask = new float[r * (t - 1)];
        for (int i = 0; i < r; i++) {
            long[] s = rows.get(i);
            for (int j = 0; j < s.length; j++) {
                ids[i * t + j] = s[j];
                attention[i * t + j] = 1;
                if (j > 0) {
                    labels[i * (t - 1) + j - 1] = s[j];
                    mask[i * (t - 1) + j - 1] = j >= prompts[i] ? 1f : 0f;
                    weights[i * (t - 1) + j - 1] = mask[i * (t - 1) + j - 1] * coef[i];
                }
            }
        }
        JniUtils.setGradMode(true);
        try (NDManager m = root.newSubManager();
                NDScope scope = new NDScope()) {
            NDArray logits = model.forward(m.create(ids, new Shape(r, t)), m.create(attention, new Shape(r, t)));
            NDArray logp = LogProbs.gather(logits.get(":, :-1, :"), m.create(labels, new Shape(r, t - 1)));
            float[] rowSums = logp.mul(m.create(mask, new Shape(r, t - 1)))
                    .sum(new int[] {1})
                    .toFloatArray();
            for (int i = 0; i < r; i++) {
                sums[i] = rowSums[i];
            }
            NDArray loss = logp.mul(m.create(weights, new Shape(r, t - 1))).sum();
            JniUtils.backward((PtNDArray) loss, (PtNDArray) loss.onesLike(), false, false);
        } finally {
            JniUtils.setGradMode(false);
        }
        return takeGradients(model);
    }

    static Map<String, float[]> kernelGradients(
            Qwen2Model model, KernelPath.Options o, List<long[]> rows, int[] prompts, float[] coef, double[] sums) {
        try (NDManager m = root.newSubManager();
                NDScope scope = new NDScope()) {
            double[] s = new KernelPath(model, o).completionLogProbs(m, rows, prompts, coef);
            System.arraycopy(s, 0, sums, 0, s.length);
        }
        return takeGradients(model);
    }

    static Map<String, float[]> takeGradients(Qwen2Model model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            try (NDArray g = e.getValue().getGradient()) {
                out.put(e.getKey(), g.toFloatArray());
            }
            JniUtils.zeroGrad((PtNDArray) e.getValue());
        }
        return out;
    }

    static double relativeError(float[] actual, float[] expected) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < actual.length; i++) {
            diff += (actual[i] - expected[i]) * (double) (actual[i] - expected[i]);
            norm += expected[i] * (double) expected[i];
        }
        return Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-30);
    }

    static final int[] PROMPTS = {5, 9, 3};
    static final float[] COEF = {-0.7f, 0.4f, -1.3f};

    @ParameterizedTest
    @MethodSource("configs")
    void parameterGradientsMatchTheEagerModel(ModelConfig c) {
        try (Qwen2Model model = model(c)) {
            List<long[]> rows = sequences(c, 41, 23, 30); // right-padded: rows of different lengths
            double[] eagerSums = new double[3];
            double[] kernelSums = new double[3];
            Map<String, float[]> eager = eagerGradients(model, rows, PROMPTS, COEF, eagerSums);
            Map<String, float[]> kernel =
                    kernelGradients(model, fp32(KernelPath.Recompute.OFF, 16), rows, PROMPTS, COEF, kernelSums);
            for (int i = 0; i < 3; i++) {
                assertThat(kernelSums[i]).isCloseTo(eagerSums[i], org.assertj.core.api.Assertions.within(1e-4));
            }
            eager.forEach((name, g) ->
                    assertThat(relativeError(kernel.get(name), g)).as(name).isLessThan(1e-4));
        }
    }

    @ParameterizedTest
    @MethodSource("configs")
    void recomputedGradientsEqualFullGraphGradients(ModelConfig c) {
        try (Qwen2Model model = model(c)) {
            List<long[]> rows = sequences(c, 41, 23, 30);
            double[] sums = new double[3];
            Map<String, float[]> full =
                    kernelGradients(model, fp32(KernelPath.Recompute.OFF, 16), rows, PROMPTS, COEF, sums);
            Map<String, float[]> recomputed =
                    kernelGradients(model, fp32(KernelPath.Recompute.LAYER, 16), rows, PROMPTS, COEF, sums);
            full.forEach((name, g) ->
                    assertThat(relativeError(recomputed.get(name), g)).as(name).isLessThan(1e-6));
        }
    }

    @Test
    void chunkedLogProbSumsEqualUnchunkedOnes() {
        ModelConfig c = configs().get(0);
        try (Qwen2Model model = model(c);
                NDManager m = root.newSubManager();
                NDScope scope = new NDScope()) {
            List<long[]> rows = sequences(c, 64, 17, 50);
            double[] whole = new KernelPath(model, fp32(KernelPath.Recompute.OFF, 1 << 20))
                    .completionLogProbs(m, rows, PROMPTS, null);
            double[] chunked = new KernelPath(model, fp32(KernelPath.Recompute.LAYER, 7))
                    .completionLogProbs(m, rows, PROMPTS, null);
            for (int i = 0; i < whole.length; i++) {
                assertThat(chunked[i])
                        .isCloseTo(whole[i], org.assertj.core.api.Assertions.within(1e-5 * Math.abs(whole[i])));
                assertThat(whole[i]).isLessThan(0);
            }
        }
    }

    @Test
    void bf16ComputeReturnsOnlyFloat32AndStaysCloseToFp32() {
        ModelConfig c = configs().get(0);
        try (Qwen2Model model = model(c)) {
            List<long[]> rows = sequences(c, 41, 23, 30);
            double[] fp32Sums = new double[3];
            double[] bf16Sums = new double[3];
            Map<String, float[]> reference =
                    kernelGradients(model, fp32(KernelPath.Recompute.LAYER, 16), rows, PROMPTS, COEF, fp32Sums);
            Map<String, float[]> bf16 = kernelGradients(
                    model,
                    new KernelPath.Options(LayerKernel.ComputeType.BF16, KernelPath.Recompute.LAYER, 16),
                    rows,
                    PROMPTS,
                    COEF,
                    bf16Sums);
            for (NDArray w : model.parameters().values()) {
                assertThat(w.getDataType()).isEqualTo(DataType.FLOAT32);
            }
            for (int i = 0; i < 3; i++) {
                assertThat(bf16Sums[i])
                        .isCloseTo(fp32Sums[i], org.assertj.core.api.Assertions.within(0.02 * Math.abs(fp32Sums[i])));
            }
            reference.forEach((name, g) ->
                    assertThat(relativeError(bf16.get(name), g)).as(name).isLessThan(0.05));
        }
    }

    @Test
    void aResultThatIsNotFloat32NeverLeavesTheKernel() {
        try (NDManager m = root.newSubManager()) {
            NDArray notFloat = m.create(new long[] {1, 2});
            assertThatThrownBy(() -> LayerKernel.checkFloat32(notFloat, "layer_bf16"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("only float32 may leave the kernel");
        }
    }
}
