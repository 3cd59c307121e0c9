package redispark.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class LogProbsTest {

    @Test
    void gatherEqualsLiteralLogSoftmaxValues() {
        Engine.getEngine("PyTorch");
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            // row [0, ln 2, ln 5]: softmax = [1/8, 2/8, 5/8]; row [1000, 1000, 1000]: 1/3 each (no overflow)
            NDArray logits = m.create(
                    new float[] {0f, (float) Math.log(2), (float) Math.log(5), 1000f, 1000f, 1000f},
                    new Shape(1, 2, 3));
            NDArray labels = m.create(new long[] {2, 0}, new Shape(1, 2));
            float[] lp = LogProbs.gather(logits, labels).toFloatArray();
            assertThat(lp[0]).isCloseTo((float) Math.log(5.0 / 8), within(1e-6f));
            assertThat(lp[1]).isCloseTo((float) -Math.log(3), within(1e-6f));
        }
    }

    @Test
    void gatherMatchesTheNaiveFormula() {
        Engine.getEngine("PyTorch");
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray logits = m.randomNormal(0, 3, new Shape(2, 5, 17), ai.djl.ndarray.types.DataType.FLOAT32);
            NDArray labels = m.randomInteger(0, 17, new Shape(2, 5), ai.djl.ndarray.types.DataType.INT64);
            float[] naive = logits.logSoftmax(-1)
                    .gather(labels.expandDims(-1), -1)
                    .squeeze(-1)
                    .toFloatArray();
            assertThat(LogProbs.gather(logits, labels).toFloatArray()).containsExactly(naive, within(1e-5f));
        }
    }
}
