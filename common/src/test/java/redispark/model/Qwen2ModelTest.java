package redispark.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Qwen2ModelTest {

    static NDManager root;

    /** A small untied config so lm_head is exercised too. */
    static ModelConfig small(boolean tied) {
        return new ModelConfig(64, 32, 64, 2, 4, 2, 10000.0, 1e-6, 128, tied, 0, 1);
    }

    @BeforeAll
    static void engine() {
        Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(1);
        root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterAll
    static void close() {
        root.close();
    }

    @Test
    void forwardReturnsFiniteLogitsOfShapeBatchTimeVocab() {
        try (Qwen2Model model = Qwen2Model.create(small(false), 7, root);
                NDManager m = root.newSubManager()) {
            NDArray ids = m.create(new long[] {1, 2, 3, 4, 5, 6}, new Shape(2, 3));
            NDArray mask = m.create(new long[] {1, 1, 1, 1, 1, 0}, new Shape(2, 3));
            NDArray logits = model.forward(ids, mask);
            assertThat(logits.getShape()).isEqualTo(new Shape(2, 3, 64));
            assertThat(logits.isNaN().any().getBoolean()).isFalse();
        }
    }

    @Test
    void parameterNamesFollowHuggingFaceLayout() {
        try (Qwen2Model model = Qwen2Model.create(small(false), 7, root)) {
            List<String> names = new ArrayList<>(model.parameters().keySet());
            assertThat(names.get(0)).isEqualTo("model.embed_tokens.weight");
            assertThat(names)
                    .contains(
                            "model.layers.1.self_attn.q_proj.bias",
                            "model.layers.0.mlp.down_proj.weight",
                            "model.layers.1.post_attention_layernorm.weight",
                            "model.norm.weight",
                            "lm_head.weight");
            assertThat(names).doesNotContain("model.layers.0.self_attn.o_proj.bias");
            assertThat(model.parameters()
                            .get("model.layers.0.self_attn.k_proj.weight")
                            .getShape())
                    .isEqualTo(new Shape(16, 32));
            // embed 64·32 + 2·(q 32·32+32, k 16·32+16, v 16·32+16, o 32·32, mlp 3·64·32, norms 2·32) + norm 32 + head
            // 64·32
            assertThat(model.parameterCount()).isEqualTo(2048 + 2 * (1056 + 528 + 528 + 1024 + 6144 + 64) + 32 + 2048);
            assertThat(model.parameters().values()).allMatch(a -> JniUtils.requiresGrad((PtNDArray) a));
        }
        try (Qwen2Model tied = Qwen2Model.create(small(true), 7, root)) {
            assertThat(tied.parameters()).doesNotContainKey("lm_head.weight");
        }
    }

    @Test
    void sameSeedGivesSameWeightsAndDifferentSeedDifferent() {
        try (Qwen2Model a = Qwen2Model.create(small(true), 3, root);
                Qwen2Model b = Qwen2Model.create(small(true), 3, root);
                Qwen2Model c = Qwen2Model.create(small(true), 4, root)) {
            String n = "model.layers.1.mlp.up_proj.weight";
            assertThat(a.parameters().get(n).toFloatArray())
                    .isEqualTo(b.parameters().get(n).toFloatArray());
            assertThat(a.parameters().get(n).toFloatArray())
                    .isNotEqualTo(c.parameters().get(n).toFloatArray());
        }
    }

    @Test
    void futureTokensDoNotChangeEarlierLogits() {
        try (Qwen2Model model = Qwen2Model.create(small(false), 7, root);
                NDManager m = root.newSubManager()) {
            NDArray mask = m.ones(new Shape(1, 5)).toType(ai.djl.ndarray.types.DataType.INT64, false);
            float[] a = model.forward(m.create(new long[] {5, 6, 7, 8, 9}, new Shape(1, 5)), mask)
                    .get(":, :3, :")
                    .toFloatArray();
            float[] b = model.forward(m.create(new long[] {5, 6, 7, 40, 41}, new Shape(1, 5)), mask)
                    .get(":, :3, :")
                    .toFloatArray();
            assertThat(a).containsExactly(b, within(1e-6f));
        }
    }

    @Test
    void rightPaddingDoesNotChangeRealTokenLogits() {
        try (Qwen2Model model = Qwen2Model.create(small(false), 7, root);
                NDManager m = root.newSubManager()) {
            float[] alone = model.forward(
                            m.create(new long[] {5, 6, 7}, new Shape(1, 3)),
                            m.create(new long[] {1, 1, 1}, new Shape(1, 3)))
                    .toFloatArray();
            NDArray batch = model.forward(
                    m.create(new long[] {5, 6, 7, 0, 0, 9, 9, 9, 9, 9}, new Shape(2, 5)),
                    m.create(new long[] {1, 1, 1, 0, 0, 1, 1, 1, 1, 1}, new Shape(2, 5)));
            assertThat(batch.get("0, :3, :").toFloatArray()).containsExactly(alone, within(1e-5f));
        }
    }

    @Test
    void leftPaddingGivesTheSameLogitsAsNoPadding() {
        try (Qwen2Model model = Qwen2Model.create(small(false), 7, root);
                NDManager m = root.newSubManager()) {
            float[] alone = model.forward(
                            m.create(new long[] {5, 6, 7}, new Shape(1, 3)),
                            m.create(new long[] {1, 1, 1}, new Shape(1, 3)))
                    .toFloatArray();
            NDArray left = model.forward(
                    m.create(new long[] {0, 0, 5, 6, 7}, new Shape(1, 5)),
                    m.create(new long[] {0, 0, 1, 1, 1}, new Shape(1, 5)));
            assertThat(left.get("0, 2:, :").toFloatArray()).containsExactly(alone, within(1e-5f));
        }
    }

    @Test
    void lossGoesDownOnARepeatedBatchWithPerThreadAutograd() {
        try (Qwen2Model model = Qwen2Model.create(TinyStudent.config(), 11, root)) {
            EagerTrainStep.MinimalAdamW opt =
                    new EagerTrainStep.MinimalAdamW(model.parameters(), 3e-3, 0.9, 0.95, 1e-8, 0.0, root);
            long[] ids = new long[2 * 24];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = 6 + (i * 7) % 50;
            }
            float first = EagerTrainStep.step(model, opt, root, ids, 2, 24);
            float last = first;
            for (int i = 0; i < 30; i++) {
                last = EagerTrainStep.step(model, opt, root, ids, 2, 24);
            }
            assertThat(first).isCloseTo((float) Math.log(128), within(0.2f));
            assertThat(last).isLessThan(first * 0.5f);
        }
    }

    @Test
    void trainingStepsKeepTheModelManagerFlat() {
        try (NDManager parent = root.newSubManager();
                Qwen2Model model = Qwen2Model.create(small(true), 11, parent)) {
            EagerTrainStep.MinimalAdamW opt =
                    new EagerTrainStep.MinimalAdamW(model.parameters(), 1e-3, 0.9, 0.95, 1e-8, 0.1, parent);
            long[] ids = new long[2 * 8];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = i % 60;
            }
            EagerTrainStep.step(model, opt, parent, ids, 2, 8);
            int before = countArrays(parent) + countArrays(model.manager()) + countArrays(opt.stateManager());
            assertThat(countArrays(model.manager())).as("weights + rope tables").isEqualTo(26 + 2); // tied: no lm_head
            for (int i = 0; i < 20; i++) {
                EagerTrainStep.step(model, opt, parent, ids, 2, 8);
            }
            assertThat(countArrays(parent) + countArrays(model.manager()) + countArrays(opt.stateManager()))
                    .isEqualTo(before);
        }
    }

    @Test
    void layerByLayerRecomputeGivesTheFullGraphGradients() {
        ModelConfig c = small(true);
        long[] ids = {3, 9, 27, 17, 51, 25, 11, 33, 5, 15, 45, 7};
        try (Qwen2Model model = Qwen2Model.create(c, 13, root)) {
            Map<String, float[]> full = new java.util.LinkedHashMap<>();
            JniUtils.setGradMode(true);
            try (NDManager step = root.newSubManager();
                    NDScope scope = new NDScope()) {
                NDArray tok = step.create(ids, new Shape(2, 6));
                NDArray loss = LogProbs.gather(
                                model.forward(
                                        tok,
                                        step.ones(new Shape(2, 6)).toType(ai.djl.ndarray.types.DataType.INT64, false)),
                                tok)
                        .mean()
                        .neg();
                JniUtils.backward((PtNDArray) loss, (PtNDArray) step.ones(loss.getShape()), false, false);
            }
            for (var e : model.parameters().entrySet()) {
                try (NDArray g = e.getValue().getGradient()) {
                    full.put(e.getKey(), g.toFloatArray());
                }
                JniUtils.zeroGrad((PtNDArray) e.getValue());
            }
            try (NDManager step = root.newSubManager();
                    NDScope scope = new NDScope()) {
                NDArray tok = step.create(ids, new Shape(2, 6));
                NDArray mask = step.ones(new Shape(2, 6)).toType(ai.djl.ndarray.types.DataType.INT64, false);
                NDArray positions = mask.cumSum(1).sub(1);
                JniUtils.setGradMode(false); // forward without a graph, keeping each layer's input
                Qwen2Model.Context ctx = model.context(tok, positions, mask, null);
                List<NDArray> inputs = new ArrayList<>();
                NDArray x = model.embed(tok);
                for (int i = 0; i < c.numLayers(); i++) {
                    inputs.add(x);
                    x = model.layer(i, x, ctx);
                }
                JniUtils.setGradMode(true);
                x.setRequiresGradient(true);
                NDArray loss = LogProbs.gather(model.logits(model.finalNorm(x)), tok)
                        .mean()
                        .neg();
                JniUtils.backward((PtNDArray) loss, (PtNDArray) step.ones(loss.getShape()), false, false);
                NDArray dy = x.getGradient().duplicate();
                for (int i = c.numLayers() - 1; i >= 0; i--) { // recompute one layer, backprop into its input
                    NDArray in = inputs.get(i);
                    in.setRequiresGradient(true);
                    NDArray y = model.layer(i, in, ctx);
                    JniUtils.backward((PtNDArray) y, (PtNDArray) dy, false, false);
                    dy = in.getGradient().duplicate();
                }
                JniUtils.backward((PtNDArray) model.embed(tok), (PtNDArray) dy, false, false);
            } finally {
                JniUtils.setGradMode(false);
            }
            for (var e : model.parameters().entrySet()) {
                try (NDArray g = e.getValue().getGradient()) {
                    assertThat(g.toFloatArray()).as(e.getKey()).containsExactly(full.get(e.getKey()), within(1e-6f));
                }
            }
        }
    }

    static int countArrays(NDManager m) {
        return m.getManagedArrays().size();
    }

    @Test
    void saveThenLoadGivesBitIdenticalTensorsAndHfLayout(@TempDir Path dir) throws Exception {
        try (Qwen2Model model = Qwen2Model.create(small(false), 5, root)) {
            model.save(dir);
            assertThat(dir.resolve("config.json")).exists();
            assertThat(dir.resolve("model.safetensors")).exists();
            assertThat(dir.resolve("generation_config.json")).exists();
            try (Qwen2Model back = Qwen2Model.load(dir, root)) {
                assertThat(back.config()).isEqualTo(model.config());
                assertThat(back.parameters().keySet())
                        .containsExactlyElementsOf(model.parameters().keySet());
                for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                    assertThat(back.parameters().get(e.getKey()).toByteBuffer())
                            .as(e.getKey())
                            .isEqualTo(e.getValue().toByteBuffer());
                }
                Path again = dir.resolve("again");
                back.save(again);
                assertThat(Files.readAllBytes(again.resolve("model.safetensors")))
                        .isEqualTo(Files.readAllBytes(dir.resolve("model.safetensors")));
            }
        }
    }
}
