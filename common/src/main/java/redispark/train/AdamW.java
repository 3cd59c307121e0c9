package redispark.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (Loshchilov &amp; Hutter) with decoupled weight decay: {@code w ← w − lr·(m̂/(√v̂+ε) + wd·w)}, decay only on
 * matrices (rank ≥ 2), as nanoGPT does. Moments live in the optimizer's own manager so a step's scope never frees
 * them. Must run with autograd off (it updates leaf tensors in place).
 */
public final class AdamW implements AutoCloseable {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final NDManager manager;
    private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
    private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();
    private int stepsTaken;

    public AdamW(NDManager parent, double beta1, double beta2, double eps, double weightDecay) {
        this.manager = parent.newSubManager();
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** The paper's settings: β1 0.9, β2 0.999, ε 1e-8. */
    public static AdamW standard(NDManager parent, double weightDecay) {
        return new AdamW(parent, 0.9, 0.999, 1e-8, weightDecay);
    }

    /**
     * One update of every parameter from its (already averaged and clipped) gradient.
     *
     * @return the global L2 norm of the applied parameter change, the paper's "update norm"
     */
    public double step(Map<String, NDArray> parameters, Map<String, NDArray> gradients, double lr) {
        stepsTaken++;
        double bias1 = 1 - Math.pow(beta1, stepsTaken);
        double bias2 = 1 - Math.pow(beta2, stepsTaken);
        double updateSquares = 0;
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            String name = e.getKey();
            NDArray w = e.getValue();
            NDArray g = gradients.get(name);
            NDArray m = firstMoments.computeIfAbsent(name, k -> manager.zeros(w.getShape()));
            NDArray v = secondMoments.computeIfAbsent(name, k -> manager.zeros(w.getShape()));
            // Temporaries attach to their first operand's manager (the model's or ours): the scope frees them all.
            try (NDScope scope = new NDScope()) {
                m.muli(beta1).addi(g.mul(1 - beta1));
                v.muli(beta2).addi(g.square().muli(1 - beta2));
                NDArray delta = m.div(bias1).divi(v.div(bias2).sqrt().addi(eps)).muli(lr);
                if (weightDecay > 0 && w.getShape().dimension() >= 2) {
                    delta.addi(w.mul(lr * weightDecay));
                }
                updateSquares += delta.square().sum().getFloat();
                w.subi(delta);
            }
        }
        return Math.sqrt(updateSquares);
    }

    public int stepsTaken() {
        return stepsTaken;
    }

    @Override
    public void close() {
        manager.close();
    }
}
