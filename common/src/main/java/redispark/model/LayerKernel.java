package redispark.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The compiled decoder-layer kernel: one TorchScript call per decoder layer (RMSNorm → q/k/v → RoPE → causal
 * scaled-dot-product attention → o_proj → residual → RMSNorm → SwiGLU → residual) and one per log-prob chunk (final
 * RMSNorm → LM head → log-softmax at the labels). The source is {@code src/main/torchscript/decoder_kernel.py},
 * packed into {@link #RESOURCE} by the build ({@link KernelArchive}) and compiled by libtorch once per JVM.
 *
 * <p>Causal masking is the attention kernel's own ({@code is_causal}): no mask tensor exists, which is exact for
 * right-padded rows (a real token never attends to a later position, padding included). The attention is
 * memory-efficient (flash-style on CPU), so memory grows linearly with the sequence length.
 *
 * <p>The {@link Sampler} uses the same layer with a preallocated KV cache written in place (prefill and one-token
 * decoding steps) and samples on the engine, so only the chosen token ids come back.
 *
 * <p>Calls go through DJL's NDList path in training mode, so autograd flows into the fp32 master weights passed as
 * arguments when the calling thread has grad mode on. The compute type is applied inside the kernel only: DJL aborts
 * the JVM on a bfloat16 array, so every method returns float32 (the sampling methods: int64 token ids, checked as
 * such) and {@link #checkFloat32} refuses anything else
 * before it can reach a DJL op, the optimizer or {@code toDevice}.
 */
public final class LayerKernel {

    /** Classpath location of the archive the build writes. */
    public static final String RESOURCE = "/redispark/model/decoder-kernel.pt";

    /** What the kernel's matmuls and attention run in; masters, norms, residuals and results stay float32. */
    public enum ComputeType {
        FP32("forward", "head_logp", "head_grad"),
        BF16("layer_bf16", "head_logp_bf16", "head_grad_bf16");

        private final String layerMethod;
        private final String headMethod;
        private final String headGradMethod;

        ComputeType(String layerMethod, String headMethod, String headGradMethod) {
            this.layerMethod = layerMethod;
            this.headMethod = headMethod;
            this.headGradMethod = headGradMethod;
        }

        public String label() {
            return Labels.of(this);
        }

        public static ComputeType parse(String s) {
            return Labels.parse(ComputeType.class, s, "compute dtype");
        }
    }

    private static volatile LayerKernel shared;

    private final NDManager manager;
    private final PtSymbolBlock block;

    private LayerKernel(NDManager manager, PtSymbolBlock block) {
        this.manager = manager;
        this.block = block;
    }

    /** The process-wide kernel, loaded (and compiled, well under a second) on first use. */
    public static LayerKernel get() {
        LayerKernel k = shared;
        if (k == null) {
            synchronized (LayerKernel.class) {
                k = shared;
                if (k == null) {
                    shared = k = load();
                }
            }
        }
        return k;
    }

    private static LayerKernel load() {
        Engine.getEngine("PyTorch");
        Path tmp = null;
        try (InputStream in = LayerKernel.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(
                        RESOURCE + " is missing from the classpath: build the project with Maven,"
                                + " which packs src/main/torchscript/decoder_kernel.py into it");
            }
            tmp = Files.createTempFile("redi-decoder-kernel-", ".pt");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            // the manager lives as long as the JVM: the module is shared by every model and thread
            NDManager root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
            PtSymbolBlock block =
                    JniUtils.loadModule((PtNDManager) root, tmp, false, new String[0], new String[0], false);
            return new LayerKernel(root, block);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless
                }
            }
        }
    }

    /**
     * One decoder layer: x (B, T, D) float32 → (B, T, D) float32.
     *
     * @param weights the layer's 12 fp32 masters in {@link Qwen2Model.Layer} order
     * @param cos rotary cos (B or 1, 1, T, E)
     * @param sin rotary sin, same shape
     * @param eps 0-d float32 RMSNorm epsilon
     */
    NDArray layer(NDArray x, NDList weights, NDArray cos, NDArray sin, NDArray eps, ComputeType type) {
        return call(layerArguments(x, weights, cos, sin, eps), type.layerMethod, x);
    }

    /**
     * Prefill of a sampler's new rows: one decoder layer over x (N, T, D) float32, right-padded, → (N, T, D), writing
     * the rows' keys and values into the layer's cache rows {@code slots} (N) int64 at positions [0, T).
     *
     * @param keys the layer's key cache (R, K, C, E) float32, written in place; {@code values} likewise
     */
    NDArray prefillLayer(
            NDArray x,
            NDList weights,
            NDArray cos,
            NDArray sin,
            NDArray eps,
            NDArray keys,
            NDArray values,
            NDArray slots) {
        return call(withCache(layerArguments(x, weights, cos, sin, eps), keys, values, slots), "prefill_layer", x);
    }

    /**
     * One decoding step of cache rows [0, B): x (B, 1, D) → (B, 1, D); writes row b's key and value at position
     * {@code index[b]} ((B) int64) and attends to the keys where {@code keep} ((B, 1, 1, S) bool) holds.
     */
    NDArray decodeLayer(
            NDArray x,
            NDList weights,
            NDArray cos,
            NDArray sin,
            NDArray eps,
            NDArray keys,
            NDArray values,
            NDArray index,
            NDArray keep) {
        return call(withCache(layerArguments(x, weights, cos, sin, eps), keys, values, index, keep), "decode_layer", x);
    }

    /** A layer's arguments {@code in}, followed by its key and value caches and the sampler method's own {@code rest}. */
    private static NDList withCache(NDList in, NDArray keys, NDArray values, NDArray... rest) {
        in.add(keys);
        in.add(values);
        in.addAll(new NDList(rest));
        return in;
    }

    /**
     * The next token of each row: final norm and LM head at rows {@code at} ((N) int64) of x flattened to (rows, D),
     * then {@link #sampleLogits}'s rule. Returns (N) int64 ids.
     */
    NDArray sampleNext(
            NDArray x,
            NDArray at,
            NDArray norm,
            NDArray lmHead,
            NDArray eps,
            NDArray temperature,
            NDArray topP,
            NDArray uniforms) {
        return ids(run(new NDList(x, at, norm, lmHead, eps, temperature, topP, uniforms), "sample_next", x));
    }

    /**
     * Token ids drawn from logits (N, V) float32: argmax when {@code temperature} (0-d) is 0, else the top-p
     * ({@code topP}, 0-d) nucleus of softmax(logits / temperature), renormalised, from {@code uniforms} (N, R + 1) in
     * [0, 1): R candidates from the whole softmax, the first inside the nucleus taken (an exact draw without a sort),
     * and a sorted draw with the last uniform where none is.
     */
    NDArray sampleLogits(NDArray logits, NDArray temperature, NDArray topP, NDArray uniforms) {
        return ids(run(new NDList(logits, temperature, topP, uniforms), "sample_logits", logits));
    }

    private static NDArray ids(NDList out) {
        NDArray a = out.singletonOrThrow();
        if (a.getDataType() != DataType.INT64) {
            a.close();
            throw new IllegalStateException("the sampling kernel returned " + a.getDataType() + ", expected int64");
        }
        return a;
    }

    private static NDList layerArguments(NDArray x, NDList weights, NDArray cos, NDArray sin, NDArray eps) {
        NDList in = new NDList(20);
        in.add(x);
        in.addAll(weights);
        in.add(cos);
        in.add(sin);
        in.add(eps);
        return in;
    }

    /**
     * Log-probabilities of {@code labels} after the final norm and the LM head: x (N, D) float32, labels (N) int64
     * → (N) float32, for a no-grad pass: the kernel works in place on one (N, V) buffer, which lives only inside the
     * call. {@link #headGradients} is the variant with a backward.
     */
    NDArray headLogProbs(NDArray x, NDArray norm, NDArray lmHead, NDArray labels, NDArray eps, ComputeType type) {
        if (JniUtils.isGradMode()) {
            throw new IllegalStateException("headLogProbs is a no-grad call; use headGradients for a backward");
        }
        return call(new NDList(x, norm, lmHead, labels, eps), type.headMethod, x);
    }

    /**
     * The head's forward and its backward for {@code L = Σ weights · logp}, computed in the kernel without autograd
     * (call with grad mode off): {logp (N), dL/d normed x (N, D), dL/d lmHead (V, D)}, all float32. Only one (N, V)
     * buffer exists; the caller hands the two gradients to autograd (see {@link KernelPath}).
     */
    NDList headGradients(
            NDArray x, NDArray norm, NDArray lmHead, NDArray labels, NDArray weights, NDArray eps, ComputeType type) {
        NDList out = run(new NDList(x, norm, lmHead, labels, weights, eps), type.headGradMethod, x);
        if (out.size() != 3) {
            out.close();
            throw new IllegalStateException(type.headGradMethod + " returned " + out.size() + " arrays, expected 3");
        }
        for (NDArray a : out) {
            checkFloat32(a, type.headGradMethod);
        }
        return out;
    }

    /**
     * A float32 host buffer of {@code floats} elements owned by {@code manager} (a CPU manager), page-locked when
     * {@code pinned} (only where CUDA is available): what {@link HostStaging} reads and writes.
     */
    NDArray hostBuffer(NDManager manager, int floats, boolean pinned) {
        try (NDManager args = manager.newSubManager()) {
            NDArray size = args.create((long) floats);
            NDArray pin = args.create(pinned ? 1L : 0L);
            NDArray out = call(new NDList(size, pin), "host_buffer", size);
            out.attach(manager);
            return out;
        }
    }

    private NDArray call(NDList in, String method, NDArray first) {
        return checkFloat32(run(in, method, first).singletonOrThrow(), method);
    }

    private NDList run(NDList in, String method, NDArray first) {
        if (!"forward".equals(method)) {
            NDArray selector = first.getManager().create(0f); // not passed on: IValueUtils reads only its name
            selector.setName("module_method:" + method);
            in.add(selector);
        }
        // per thread: the JIT's profiling executor would re-specialise the graph for every new sequence length
        JniUtils.setGraphExecutorOptimize(false);
        return IValueUtils.forward(block, in, true);
    }

    /** Refuses any result that is not float32 (a bfloat16 array would abort the JVM in the next DJL op). */
    static NDArray checkFloat32(NDArray a, String method) {
        DataType t = a.getDataType();
        if (t != DataType.FLOAT32) {
            a.close();
            throw new IllegalStateException(
                    "decoder kernel method " + method + " returned " + t + "; only float32 may leave the kernel");
        }
        return a;
    }

    @Override
    public String toString() {
        return "LayerKernel[" + RESOURCE + ", " + manager.getDevice() + "]";
    }
}
