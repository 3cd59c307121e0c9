package redispark.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Logits, log-prob gradients and greedy tokens against the float64 PyTorch reference
 * ({@code tools/parity/qwen2_reference.py}); the fixture lives in {@code src/test/resources/model/parity}.
 */
class Qwen2ParityTest {

    static final double TOL = 1e-4;
    static NDManager root;
    static Qwen2Model model;
    static Safetensors io;

    @BeforeAll
    static void load() throws Exception {
        Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(1);
        root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        Path dir = Path.of(Qwen2ParityTest.class.getResource("/model/parity").toURI());
        model = Qwen2Model.load(dir.resolve("model"), root);
        io = Safetensors.open(dir.resolve("io.safetensors"));
    }

    @AfterAll
    static void close() {
        io.close();
        model.close();
        root.close();
    }

    @Test
    void logitsMatchTheFloat64ReferenceIncludingPaddedRows() {
        try (NDManager m = root.newSubManager()) {
            NDArray ids = io.load("input_ids", m);
            NDArray mask = io.load("attention_mask", m);
            double[] expected = io.load("logits", m).toDoubleArray(); // (B, T, V)
            float[] actual = model.forward(ids, mask).toFloatArray();
            long[] real = mask.toLongArray();
            int v = model.config().vocabSize();
            double maxDiff = 0;
            int compared = 0;
            for (int pos = 0; pos < real.length; pos++) {
                if (real[pos] == 0) {
                    continue; // padded positions are garbage by contract (and the reference uses arange positions
                    // there)
                }
                for (int j = 0; j < v; j++) {
                    maxDiff = Math.max(maxDiff, Math.abs(actual[pos * v + j] - expected[pos * v + j]));
                }
                compared++;
            }
            System.out.printf("parity logits: %d positions, max |djl - torch64| = %.3g%n", compared, maxDiff);
            assertThat(compared).isEqualTo(10 + 6 + 9);
            assertThat(maxDiff).isLessThan(TOL);
        }
    }

    @Test
    void logProbGradientsMatchTheReference() {
        List<String> names = new ArrayList<>();
        for (String k : io.tensors().keySet()) {
            if (k.startsWith("grad.")) {
                names.add(k.substring(5));
            }
        }
        assertThat(names).hasSize(6);
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
        try (NDManager step = root.newSubManager();
                NDScope scope = new NDScope()) {
            NDArray logits = model.forward(io.load("input_ids", step), io.load("attention_mask", step));
            NDArray lp = LogProbs.gather(logits, io.load("labels", step)); // (B, T)
            NDArray total = lp.mul(io.load("label_mask", step).toType(DataType.FLOAT32, false))
                    .sum();
            assertThat((double) total.getFloat())
                    .isCloseTo(io.load("logprob_sum", step).getDouble(0), org.assertj.core.data.Offset.offset(1e-3));
            JniUtils.backward((PtNDArray) total, (PtNDArray) step.ones(total.getShape()), false, false);
            for (String n : names) {
                double[] want = io.load("grad." + n, step).toDoubleArray();
                float[] got;
                try (NDArray g = model.parameters().get(n).getGradient()) {
                    got = g.toFloatArray();
                }
                double maxDiff = 0;
                double scale = 1;
                for (int i = 0; i < want.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
                    scale = Math.max(scale, Math.abs(want[i]));
                }
                System.out.printf("parity grad %s: max |djl - torch64| = %.3g (max |g| %.3g)%n", n, maxDiff, scale);
                assertThat(maxDiff).as(n).isLessThan(TOL * scale);
            }
        } finally {
            for (NDArray w : model.parameters().values()) {
                JniUtils.zeroGrad((PtNDArray) w);
            }
            JniUtils.setGradMode(grad);
        }
    }

    @Test
    void cachedGreedyDecodingMatchesTheReference() {
        List<long[]> prompts = new ArrayList<>();
        List<long[]> expected = new ArrayList<>();
        try (NDManager m = root.newSubManager()) {
            for (int i = 0; io.tensors().containsKey("greedy." + i + ".prompt"); i++) {
                prompts.add(io.load("greedy." + i + ".prompt", m).toLongArray());
                expected.add(io.load("greedy." + i + ".tokens", m).toLongArray());
            }
        }
        assertThat(prompts).hasSize(2);
        List<Generation> out = new Sampler(model).generate(prompts, SamplingParams.greedy(8), new long[0]);
        for (int i = 0; i < prompts.size(); i++) {
            assertThat(out.get(i).tokens()).as("prompt " + i).containsExactly(expected.get(i));
        }
    }
}
