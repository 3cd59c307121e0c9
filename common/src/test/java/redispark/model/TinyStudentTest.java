package redispark.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.text.ChatTemplate;
import redispark.text.TextTokenizer;

class TinyStudentTest {

    @Test
    void writtenFolderLoadsWithAboutOneMillionParameters(@TempDir Path dir) {
        TinyStudent.write(dir, 5);
        Engine.getEngine("PyTorch");
        try (NDManager root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                Qwen2Model model = Qwen2Model.load(dir, root)) {
            assertThat(model.config()).isEqualTo(TinyStudent.config());
            assertThat(model.parameterCount()).isBetween(900_000L, 2_000_000L);
        }
    }

    /** Tokenizer + template + model + SFT + sampler together: overfit one trace, then greedy-decode it back. */
    @Test
    void sftOnOneTraceThenGreedyDecodingReproducesItAndStopsAtEndOfTurn(@TempDir Path dir) {
        TinyStudent.write(dir, 5);
        Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(1);
        String response = "<think>\n12 + 7 = 19\n</think>\nThe final answer is \\boxed{19}.";
        try (NDManager root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                Qwen2Model model = Qwen2Model.load(dir, root);
                TextTokenizer tok = TextTokenizer.load(dir)) {
            ChatTemplate template = ChatTemplate.load(dir);
            long[] prompt = tok.encode(template.prompt("12 + 7 = ?"));
            long[] all = tok.encode(template.prompt("12 + 7 = ?") + template.completion(response));
            int t = all.length - 1;
            long[] labelMask = new long[t]; // predict completion tokens only
            for (int i = prompt.length - 1; i < t; i++) {
                labelMask[i] = 1;
            }
            EagerTrainStep.MinimalAdamW opt =
                    new EagerTrainStep.MinimalAdamW(model.parameters(), 3e-3, 0.9, 0.95, 1e-8, 0.0, root);
            float loss = Float.NaN;
            for (int step = 0; step < 300; step++) {
                JniUtils.setGradMode(true);
                try (NDManager m = root.newSubManager();
                        NDScope scope = new NDScope()) {
                    NDArray ids = m.create(all, new Shape(1, all.length));
                    NDArray input = ids.get(":, :-1"); // (1, T)
                    NDArray labels = ids.get(":, 1:"); // (1, T)
                    NDArray mask = m.create(labelMask, new Shape(1, t)).toType(DataType.FLOAT32, false);
                    NDArray logits = model.forward(input, m.ones(new Shape(1, t), DataType.INT64));
                    NDArray nll = LogProbs.gather(logits, labels)
                            .mul(mask)
                            .sum()
                            .neg()
                            .div(mask.sum()); // mean over completion
                    loss = nll.getFloat();
                    JniUtils.backward((PtNDArray) nll, (PtNDArray) m.ones(nll.getShape()), false, false);
                } finally {
                    JniUtils.setGradMode(false);
                }
                opt.step();
                if (loss < 0.02f) {
                    break;
                }
            }
            assertThat(loss).isLessThan(0.1f);
            long[] stop = {tok.eosId(), tok.tokenId(template.endOfTurn())};
            Generation g = new Sampler(model)
                    .generate(List.of(prompt), SamplingParams.greedy(100), stop)
                    .get(0);
            assertThat(g.finishReason()).isEqualTo("stop");
            assertThat(tok.decode(g.tokens())).isEqualTo(response);
        }
    }
}
