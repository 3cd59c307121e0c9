package redispark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.List;

/**
 * The long-sequence training path of a {@link Qwen2Model}: every decoder layer is one call of the {@link LayerKernel},
 * activations are optionally recomputed layer by layer, and completion log-probs are computed a chunk of tokens at a
 * time with an immediate backward, so the (T, V) logits never exist whole. Memory per sequence is O(T).
 *
 * <p>What is kept, for a group of B right-padded rows of T tokens, width D, L layers, vocabulary V, chunk C:
 * <ul>
 *   <li>{@code recompute = layer}: the L + 1 layer inputs (B·T·D floats each) through the forward; in the backward
 *       one layer's intermediates at a time (recomputed, then freed).
 *   <li>{@code recompute = off}: every layer's saved intermediates (about 12·B·T·D + 3·B·T·F floats per layer with
 *       SwiGLU width F) until the backward.
 *   <li>the head: one chunk's C·V logits, log-softmax and their gradients at a time, plus B·T·D for the gradient of
 *       the final hidden state.
 * </ul>
 *
 * <p>The objective never sees the tokens: {@link #completionLogProbs} returns each row's summed completion log-prob
 * and, given the derivative of the loss with respect to those sums (one coefficient per row), backpropagates
 * {@code Σ_r coefficient_r · sum_r} into the model's parameter gradients. Objectives linear in the sums (SFT, REDI)
 * know their coefficients up front; the others (DPO, SimPO) take them from a no-grad pass.
 */
public final class KernelPath {

    /** Whether the backward recomputes each layer from its saved input ({@code layer}) or keeps the whole graph. */
    public enum Recompute {
        LAYER,
        OFF;

        public String label() {
            return Labels.of(this);
        }

        public static Recompute parse(String s) {
            return Labels.parse(Recompute.class, s, "recompute mode");
        }
    }

    /**
     * @param dtype compute type inside the kernel
     * @param recompute per-layer recompute or the full graph
     * @param logprobChunk at most this many tokens per LM-head call
     */
    public record Options(LayerKernel.ComputeType dtype, Recompute recompute, int logprobChunk) {
        public Options {
            if (logprobChunk < 1) {
                throw new IllegalArgumentException("logprob-chunk must be >= 1, got " + logprobChunk);
            }
        }
    }

    private final Qwen2Model model;
    private final Options options;
    private final LayerKernel kernel;

    public KernelPath(Qwen2Model model, Options options) {
        this.model = model;
        this.options = options;
        this.kernel = LayerKernel.get();
    }

    public Options options() {
        return options;
    }

    /**
     * Summed log π of each row's completion tokens, and optionally their backward.
     *
     * <p>Row r is {@code sequences.get(r)}; its completion is tokens {@code [promptLengths[r], length)}, each predicted
     * from the tokens before it, as in {@code redispark.train.Batches}. Rows are right-padded to the longest; the
     * causal attention keeps real tokens from seeing the padding.
     *
     * @param m the caller's manager for this group (closed by the caller, with an enclosing NDScope)
     * @param coefficients d loss / d sum_r for each row, or null for a no-grad pass
     * @return the completion log-prob sum of each row
     */
    public double[] completionLogProbs(NDManager m, List<long[]> sequences, int[] promptLengths, float[] coefficients) {
        int rows = sequences.size();
        if (rows == 0 || promptLengths.length != rows || (coefficients != null && coefficients.length != rows)) {
            throw new IllegalArgumentException("need one prompt length (and coefficient) per row, got " + rows
                    + " rows, " + promptLengths.length + " prompt lengths");
        }
        int t = sequences.stream().mapToInt(s -> s.length).max().orElseThrow();
        long[] ids = new long[rows * t];
        long[] labels = new long[rows * t];
        float[] mask = new float[rows * t];
        for (int r = 0; r < rows; r++) {
            long[] seq = sequences.get(r);
            System.arraycopy(seq, 0, ids, r * t, seq.length);
            for (int j = 0; j + 1 < seq.length; j++) {
                labels[r * t + j] = seq[j + 1]; // position j predicts token j + 1
                mask[r * t + j] = j + 1 >= promptLengths[r] ? 1f : 0f;
            }
        }
        boolean backward = coefficients != null;
        boolean wasGrad = JniUtils.isGradMode();
        try {
            NDArray inputIds = m.create(ids, new Shape(rows, t));
            NDArray eps = m.create((float) model.config().rmsNormEps());
            NDArray[] rotary = model.rotary(m.arange(0, t, 1, DataType.INT64).reshape(1, t)); // (1, 1, T, E) each
            boolean fullGraph = backward && options.recompute() == Recompute.OFF;
            int layers = model.config().numLayers();
            NDArray[] inputs = new NDArray[layers];
            JniUtils.setGradMode(fullGraph);
            NDArray x = model.embed(inputIds); // (R, T, D)
            for (int i = 0; i < layers; i++) {
                inputs[i] = x;
                x = kernel.layer(x, model.layerWeights(i), rotary[0], rotary[1], eps, options.dtype());
            }
            double[] sums = new double[rows];
            float[] weights = backward ? weighted(mask, coefficients, t) : null;
            if (!head(m, x, labels, mask, t, weights, eps, sums) || fullGraph) {
                return sums; // in the full graph the head's backward went down every layer already
            }
            NDArray dTop = x.getGradient();
            NDScope.unregister(dTop);
            recomputeBackward(inputIds, inputs, dTop, rotary, eps);
            return sums;
        } finally {
            JniUtils.setGradMode(wasGrad);
        }
    }

    /** Per-token weight of the loss: the row's coefficient on completion labels, 0 elsewhere. */
    private static float[] weighted(float[] mask, float[] coefficients, int t) {
        float[] w = new float[mask.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = mask[i] * coefficients[i / t];
        }
        return w;
    }

    /**
     * Chunked LM head over the flattened (R·T) positions of the top layer's output, skipping chunks without a
     * completion label: adds each row's completion log-prob to {@code sums}. With {@code weights}, each chunk's call
     * also returns the gradients of Σ weight·logp with respect to the normed hidden state and the head matrix (the
     * kernel computes them in place, so one chunk's logits are the only (C, V) buffer); they are accumulated and handed
     * to autograd in one backward of {@code Σ finalNorm(top) ⊙ dNormed + Σ head ⊙ dHead}, which reaches the final norm,
     * the head matrix and {@code top} (a leaf after a no-grad forward, else the whole graph). Returns whether that
     * backward ran.
     */
    private boolean head(
            NDManager m, NDArray top, long[] labels, float[] mask, int t, float[] weights, NDArray eps, double[] sums) {
        long d = top.getShape().get(2);
        int n = labels.length;
        int chunk = options.logprobChunk();
        boolean wasGrad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        NDArray flat = top.reshape(n, d); // (R·T, D)
        NDArray allLabels = m.create(labels, new Shape(n));
        NDArray allWeights = weights == null ? null : m.create(weights, new Shape(n));
        NDArray dNormed = weights == null ? null : m.zeros(new Shape(n, d));
        NDArray dHead = null;
        try {
            for (int from = 0; from < n; from += chunk) {
                int to = Math.min(n, from + chunk);
                if (!anyLabel(mask, from, to)) {
                    continue;
                }
                try (NDScope scope = new NDScope()) {
                    String range = from + ":" + to;
                    float[] values;
                    if (weights == null) {
                        values = kernel.headLogProbs(
                                        flat.get(range),
                                        model.finalNormWeight(),
                                        model.lmHeadWeight(),
                                        allLabels.get(range),
                                        eps,
                                        options.dtype())
                                .toFloatArray();
                    } else {
                        NDList g = kernel.headGradients(
                                flat.get(range),
                                model.finalNormWeight(),
                                model.lmHeadWeight(),
                                allLabels.get(range),
                                allWeights.get(range),
                                eps,
                                options.dtype());
                        values = g.get(0).toFloatArray();
                        dNormed.set(new NDIndex(range), g.get(1));
                        if (dHead == null) {
                            dHead = g.get(2);
                            NDScope.unregister(dHead);
                        } else {
                            dHead.addi(g.get(2));
                        }
                    }
                    for (int i = from; i < to; i++) {
                        sums[i / t] += mask[i] * values[i - from];
                    }
                }
            }
            if (dHead == null) {
                return false;
            }
            if (!wasGrad) {
                top.setRequiresGradient(true); // a no-grad result is a leaf: its gradient feeds the recompute
            }
            JniUtils.setGradMode(true);
            try (NDScope scope = new NDScope()) {
                NDArray surrogate = model.finalNorm(top.reshape(n, d))
                        .mul(dNormed)
                        .sum()
                        .add(model.lmHeadWeight().mul(dHead).sum());
                JniUtils.backward((PtNDArray) surrogate, (PtNDArray) surrogate.onesLike(), false, false);
            }
            return true;
        } finally {
            if (dHead != null) {
                dHead.close();
            }
        }
    }

    private static boolean anyLabel(float[] mask, int from, int to) {
        for (int i = from; i < to; i++) {
            if (mask[i] != 0f) {
                return true;
            }
        }
        return false;
    }

    /**
     * From the top layer down: recompute the layer from its saved input with grad mode on, backpropagate the
     * gradient of its output, keep the gradient of its input, free the layer's intermediates. Then the embedding.
     */
    private void recomputeBackward(NDArray inputIds, NDArray[] inputs, NDArray dTop, NDArray[] rotary, NDArray eps) {
        NDArray dy = dTop;
        JniUtils.setGradMode(true);
        for (int i = inputs.length - 1; i >= 0; i--) {
            NDArray dx;
            try (NDScope scope = new NDScope()) {
                NDArray xi = inputs[i];
                xi.setRequiresGradient(true); // a no-grad result is a leaf: its gradient is the layer's input gradient
                NDArray y = kernel.layer(xi, model.layerWeights(i), rotary[0], rotary[1], eps, options.dtype());
                JniUtils.backward((PtNDArray) y, (PtNDArray) dy, false, false);
                dx = xi.getGradient();
                NDScope.unregister(dx);
            }
            dy.close();
            if (i > 0) {
                inputs[i].close(); // the embedding output (input 0) is recomputed below
            }
            dy = dx;
        }
        try (NDScope scope = new NDScope()) {
            NDArray x0 = model.embed(inputIds);
            JniUtils.backward((PtNDArray) x0, (PtNDArray) dy, false, false);
        }
        dy.close();
    }

    /**
     * Logits of every position through the kernel's layers (no chunking): ids (B, T) → (B, T, V) fp32, differentiable
     * when grad mode is on. For parity checks against {@link Qwen2Model#forward}; training uses
     * {@link #completionLogProbs}.
     */
    public NDArray logits(NDArray inputIds) {
        NDManager m = inputIds.getManager();
        long t = inputIds.getShape().get(1);
        NDArray eps = m.create((float) model.config().rmsNormEps());
        NDArray[] rotary = model.rotary(m.arange(0, (int) t, 1, DataType.INT64).reshape(1, t));
        NDArray x = model.embed(inputIds);
        for (int i = 0; i < model.config().numLayers(); i++) {
            x = kernel.layer(x, model.layerWeights(i), rotary[0], rotary[1], eps, options.dtype());
        }
        return model.logits(model.finalNorm(x));
    }
}
