package redispark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A whole-model train step in plain eager ops for the model's own tests: forward + next-token cross-entropy over all
 * positions + backward + a minimal AdamW, independent of the trainer in {@code redispark.train}.
 */
final class EagerTrainStep {

    private EagerTrainStep() {}

    /** One step: mean next-token NLL over all positions, backward, AdamW. Returns the loss. */
    static float step(Qwen2Model model, MinimalAdamW opt, NDManager root, long[] ids, int batch, int seq) {
        float loss;
        JniUtils.setGradMode(true);
        try (NDManager step = root.newSubManager();
                NDScope scope = new NDScope()) {
            NDArray tokens = step.create(ids, new Shape(batch, seq)); // (B, T)
            NDArray mask = step.ones(new Shape(batch, seq - 1), DataType.INT64); // (B, T-1)
            NDArray input = tokens.get(":, :-1"); // (B, T-1)
            NDArray labels = tokens.get(":, 1:"); // (B, T-1)
            NDArray logits = model.forward(input, mask); // (B, T-1, V)
            NDArray nll = LogProbs.gather(logits, labels).mean().neg(); // 0-d
            loss = nll.getFloat();
            JniUtils.backward((PtNDArray) nll, (PtNDArray) step.ones(nll.getShape()), false, false);
        } finally {
            JniUtils.setGradMode(false);
        }
        opt.step();
        return loss;
    }

    /**
     * Minimal AdamW (decoupled weight decay on rank ≥ 2 tensors), run with grad mode off. Reads each gradient through a
     * closed wrapper, updates the weight in place and zeroes the gradient. State lives in its own manager.
     */
    static final class MinimalAdamW {
        private final List<NDArray> weights;
        private final List<NDArray> m;
        private final List<NDArray> v;
        private final double lr;
        private final double beta1;
        private final double beta2;
        private final double eps;
        private final double weightDecay;
        private final NDManager state;
        private int t;

        MinimalAdamW(
                Map<String, NDArray> params,
                double lr,
                double beta1,
                double beta2,
                double eps,
                double weightDecay,
                NDManager parent) {
            this.weights = new ArrayList<>(params.values());
            this.lr = lr;
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.eps = eps;
            this.weightDecay = weightDecay;
            this.state = parent.newSubManager();
            this.m = new ArrayList<>();
            this.v = new ArrayList<>();
            for (NDArray w : weights) {
                NDArray a = state.zeros(w.getShape(), DataType.FLOAT32);
                NDArray b = state.zeros(w.getShape(), DataType.FLOAT32);
                NDScope.unregister(a, b);
                m.add(a);
                v.add(b);
            }
        }

        NDManager stateManager() {
            return state;
        }

        void step() {
            t++;
            double c1 = 1 - Math.pow(beta1, t);
            double c2 = 1 - Math.pow(beta2, t);
            boolean grad = JniUtils.isGradMode();
            JniUtils.setGradMode(false);
            try {
                for (int i = 0; i < weights.size(); i++) {
                    NDArray w = weights.get(i);
                    // the scope closes every temporary, whichever manager an op put it in (some land in the state
                    // manager)
                    try (NDScope scope = new NDScope();
                            NDArray g = w.getGradient()) {
                        m.get(i).muli(beta1).addi(g.mul(1 - beta1)); // m = β1 m + (1-β1) g
                        v.get(i).muli(beta2).addi(g.square().muli(1 - beta2)); // v = β2 v + (1-β2) g²
                        NDArray denom = v.get(i).div(c2).sqrt().addi(eps); // sqrt(v̂) + ε
                        NDArray update = m.get(i).div(c1).divi(denom); // m̂ / (sqrt(v̂) + ε)
                        if (w.getShape().dimension() >= 2 && weightDecay > 0) {
                            w.muli(1 - lr * weightDecay);
                        }
                        w.subi(update.muli(lr));
                        JniUtils.zeroGrad((PtNDArray) w);
                    }
                }
            } finally {
                JniUtils.setGradMode(grad);
            }
        }
    }
}
