package redispark.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import redispark.model.HostStaging;
import redispark.model.Safetensors;

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

    /**
     * Writes the optimizer state as safetensors: {@code exp_avg.<param>} and {@code exp_avg_sq.<param>} (PyTorch's
     * names), fp32, with the step count and the hyper-parameters in the metadata.
     */
    public void save(Path file) {
        try (HostStaging staging = new HostStaging(HostStaging.Mode.AUTO, HostStaging.DEFAULT_BUFFER_BYTES)) {
            save(file, staging);
        }
    }

    /** {@link #save(Path)}, the moments streamed through {@code staging} (bounded host memory on a GPU). */
    public void save(Path file, HostStaging staging) {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        firstMoments.forEach((name, m) -> arrays.put("exp_avg." + name, m));
        secondMoments.forEach((name, v) -> arrays.put("exp_avg_sq." + name, v));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("step", Integer.toString(stepsTaken));
        meta.put("betas", beta1 + "," + beta2);
        meta.put("eps", Double.toString(eps));
        meta.put("weight_decay", Double.toString(weightDecay));
        Safetensors.write(file, arrays, meta, staging);
    }

    /** Replaces the state with the one {@link #save} wrote (exactly: fp32 moments and the step count). */
    public void load(Path file) {
        try (Safetensors in = Safetensors.open(file)) {
            String step = in.metadata().get("step");
            if (step == null) {
                throw new IllegalArgumentException(file + ": not an optimizer state (no 'step' metadata)");
            }
            firstMoments.values().forEach(NDArray::close);
            secondMoments.values().forEach(NDArray::close);
            firstMoments.clear();
            secondMoments.clear();
            for (String name : in.tensors().keySet()) {
                if (name.startsWith("exp_avg_sq.")) {
                    secondMoments.put(name.substring("exp_avg_sq.".length()), in.load(name, manager));
                } else if (name.startsWith("exp_avg.")) {
                    firstMoments.put(name.substring("exp_avg.".length()), in.load(name, manager));
                }
            }
            stepsTaken = Integer.parseInt(step);
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
