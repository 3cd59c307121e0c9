package redispark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Qwen2-style decoder in one file, in textbook order: RMSNorm, rotary embeddings, grouped-query attention, SwiGLU,
 * the decoder layer, and the model (embedding, layers, final norm, LM head).
 *
 * <p>Letters: B batch, T new tokens, P cached tokens, S = P + T keys, D hidden, H query heads, K key/value heads,
 * G = H / K query heads per key/value head, E head size, V vocabulary, F SwiGLU width.
 *
 * <p>Weights are fp32 DJL arrays with Hugging Face names ({@link #parameters()}), created in a sub-manager of the
 * parent and closed by {@link #close()}. Every op puts the batch operand first, so intermediates land in the manager
 * of {@code inputIds} (the caller's per-step manager), never in the model's. Scalars on the gradient path are
 * created with {@code manager.create(x)} in that step manager: in DJL 0.36, {@code mul(Number)} on an array that
 * requires a gradient gives wrong gradients (a parity test against float64 shows it).
 *
 * <p>Autograd: the forward is differentiable when the calling thread has grad mode on
 * ({@code JniUtils.setGradMode(true)}); call {@code JniUtils.backward(loss, ones, false, false)} and read
 * {@code w.getGradient()} (close the wrapper). Attention is eager (scores are B×H×T×S floats), which is what a CPU
 * student needs; the GPU path for long sequences (djl-gpu.md) replaces {@link Layer#attention} and keeps the rest.
 */
public final class Qwen2Model implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Qwen2Model.class);

    /** Std of the normal init of every matrix ({@code initializer_range} in HF). */
    public static final double INIT_STD = 0.02;

    /** Additive mask value for hidden keys: exp(-1e9 - max) is exactly 0 in fp32, and a fully masked row stays finite. */
    private static final float MASKED = -1e9f;

    /** Positions covered by the first rotary table; it grows (doubling) up to {@code maxPositions} on demand. */
    private static final int INITIAL_ROPE_POSITIONS = 1024;

    // ============================================================================================ RMSNorm

    /** RMSNorm: {@code x * rsqrt(mean(x², last axis) + eps) * weight}; x (…, D), weight (D). */
    static NDArray rmsNorm(NDArray x, NDArray weight, double eps) {
        NDArray variance = x.square().mean(new int[] {-1}, true); // (…, 1)
        return x.div(variance.add(eps).sqrt()).mul(weight); // (…, D)
    }

    // ============================================================================================ RoPE

    /**
     * Rotary table in the {@code rotate_half} layout: row p is {@code [cos(p·f_0) … cos(p·f_{E/2-1}), cos(p·f_0) …]}
     * with {@code f_i = theta^(-2i/E)}, computed in double and rounded once to fp32.
     */
    static float[][] ropeTables(int positions, int headDim, double theta) {
        int half = headDim / 2;
        float[] cos = new float[positions * headDim];
        float[] sin = new float[positions * headDim];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * Math.pow(theta, -2.0 * i / headDim);
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                cos[p * headDim + i] = c;
                cos[p * headDim + half + i] = c;
                sin[p * headDim + i] = s;
                sin[p * headDim + half + i] = s;
            }
        }
        return new float[][] {cos, sin};
    }

    /** {@code x * cos + rotate_half(x) * sin}, with rotate_half(x) = cat(-x2, x1); x (B, N, T, E), cos/sin (B, 1, T, E). */
    static NDArray applyRope(NDArray x, NDArray cos, NDArray sin) {
        long half = x.getShape().get(3) / 2;
        NDArray x1 = x.get(":, :, :, :{}", half); // (B, N, T, E/2)
        NDArray x2 = x.get(":, :, :, {}:", half); // (B, N, T, E/2)
        NDArray rotated = x2.neg().concat(x1, 3); // (B, N, T, E)
        return x.mul(cos).add(rotated.mul(sin)); // (B, N, T, E)
    }

    // ============================================================================================ layer

    /** The weights of one decoder block (HF names under {@code model.layers.i.}). */
    /** A decoder layer's tensors under {@code model.layers.<i>.}, in {@link Layer}'s component order. */
    private static final List<String> LAYER_TENSORS = List.of(("self_attn.q_proj.weight self_attn.q_proj.bias "
                    + "self_attn.k_proj.weight self_attn.k_proj.bias self_attn.v_proj.weight self_attn.v_proj.bias "
                    + "self_attn.o_proj.weight mlp.gate_proj.weight mlp.up_proj.weight mlp.down_proj.weight "
                    + "input_layernorm.weight post_attention_layernorm.weight")
            .split(" "));

    record Layer(
            NDArray qW,
            NDArray qB,
            NDArray kW,
            NDArray kB,
            NDArray vW,
            NDArray vB,
            NDArray oW,
            NDArray gateW,
            NDArray upW,
            NDArray downW,
            NDArray inputNorm,
            NDArray postNorm) {

        /**
         * Grouped-query attention with rotary positions. x (B, T, D) already normed; cos/sin (B, 1, T, E); mask additive
         * (B, 1, 1, T, S); scale a 0-d array 1/sqrt(E); cache (may be null) stores this layer's new keys/values in place
         * and gives the S keys/values to attend to.
         */
        NDArray attention(
                NDArray x,
                NDArray cos,
                NDArray sin,
                NDArray mask,
                NDArray scale,
                ModelConfig c,
                KvCache cache,
                int layer) {
            Shape s = x.getShape();
            long b = s.get(0);
            long t = s.get(1);
            int h = c.numHeads();
            int k = c.numKvHeads();
            int e = c.headDim();
            NDArray q = linear(x, qW, qB).reshape(b, t, h, e).transpose(0, 2, 1, 3); // (B,T,H·E)→(B,T,H,E)→(B,H,T,E)
            NDArray key = linear(x, kW, kB).reshape(b, t, k, e).transpose(0, 2, 1, 3); // (B,T,K·E)→(B,T,K,E)→(B,K,T,E)
            NDArray val = linear(x, vW, vB).reshape(b, t, k, e).transpose(0, 2, 1, 3); // (B,T,K·E)→(B,T,K,E)→(B,K,T,E)
            q = applyRope(q, cos, sin); // (B, H, T, E)
            key = applyRope(key, cos, sin); // (B, K, T, E)
            if (cache != null) {
                NDArray[] kv = cache.store(layer, key, val, mask.getShape().get(4));
                key = kv[0]; // (B, K, S, E)
                val = kv[1]; // (B, K, S, E)
            }
            long sLen = key.getShape().get(2);
            // head h uses key/value head h / G, the same pairing as HF's repeat_kv; the G axis broadcasts in matMul
            NDArray qg = q.mul(scale).reshape(b, k, c.groups(), t, e); // (B,H,T,E)→(B,K,G,T,E)
            NDArray scores =
                    qg.matMul(key.expandDims(2).transpose(0, 1, 2, 4, 3)); // (B,K,G,T,E)@(B,K,1,E,S)→(B,K,G,T,S)
            NDArray probs = scores.add(mask).softmax(4); // (B, K, G, T, S)
            NDArray y = probs.matMul(val.expandDims(2)); // (B,K,G,T,S)@(B,K,1,S,E)→(B,K,G,T,E)
            y = y.reshape(b, h, t, e).transpose(0, 2, 1, 3).reshape(b, t, (long) h * e); // →(B,H,T,E)→(B,T,H,E)→(B,T,D)
            assert sLen == mask.getShape().get(4) : "mask keys " + mask.getShape() + " vs " + sLen;
            return linear(y, oW, null); // (B, T, D)
        }

        /** SwiGLU: down(silu(gate(x)) * up(x)); x (B, T, D) → (B, T, D), with silu(g) = g * sigmoid(g). */
        NDArray mlp(NDArray x) {
            NDArray g = linear(x, gateW, null); // (B, T, F)
            NDArray u = linear(x, upW, null); // (B, T, F)
            NDArray act = g.mul(sigmoid(g)); // (B, T, F)
            return linear(act.mul(u), downW, null); // (B, T, D)
        }

        /** Pre-norm block: x + attn(norm(x)), then + mlp(norm(·)). x (B, T, D) → (B, T, D). */
        NDArray forward(
                NDArray x,
                NDArray cos,
                NDArray sin,
                NDArray mask,
                NDArray scale,
                ModelConfig c,
                KvCache cache,
                int layer) {
            NDArray h = x.add(attention(rmsNorm(x, inputNorm, c.rmsNormEps()), cos, sin, mask, scale, c, cache, layer));
            return h.add(mlp(rmsNorm(h, postNorm, c.rmsNormEps())));
        }
    }

    /** {@code x @ w.T + b} via torch::linear; the result lives in x's manager. w (out, in), b (out) or null. */
    static NDArray linear(NDArray x, NDArray w, NDArray b) {
        return JniUtils.linear((PtNDArray) x, (PtNDArray) w, (PtNDArray) b);
    }

    static NDArray sigmoid(NDArray x) {
        return JniUtils.sigmoid((PtNDArray) x);
    }

    /** Row lookup {@code table[ids]} via torch::embedding; the result lives in ids' manager. ids (…), table (N, C). */
    static NDArray lookup(NDArray ids, NDArray table) {
        return JniUtils.embedding((PtNDArray) ids, (PtNDArray) table, false);
    }

    // ============================================================================================ model

    private final ModelConfig cfg;
    private final NDManager manager;
    private final LinkedHashMap<String, NDArray> params;
    private final NDArray embed;
    private final Layer[] layers;
    private final NDArray finalNorm;
    private final NDArray lmHead;
    private volatile NDArray[] rope; // {cos, sin}, each (positions, E)

    private Qwen2Model(ModelConfig cfg, NDManager manager, LinkedHashMap<String, NDArray> params) {
        this.cfg = cfg;
        this.manager = manager;
        this.params = params;
        this.embed = params.get("model.embed_tokens.weight");
        this.layers = new Layer[cfg.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            NDArray[] w =
                    LAYER_TENSORS.stream().map(name -> params.get(p + name)).toArray(NDArray[]::new);
            layers[i] = new Layer(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11]);
        }
        this.finalNorm = params.get("model.norm.weight");
        this.lmHead = cfg.tieWordEmbeddings() ? embed : params.get("lm_head.weight");
        for (NDArray w : params.values()) {
            w.setRequiresGradient(true);
        }
    }

    /** What initialises a parameter: rank-2 normal(0, {@link #INIT_STD}), norms 1, biases 0. */
    private enum Init {
        NORMAL,
        ONES,
        ZEROS
    }

    /** One parameter of the canonical layout. */
    record Spec(String name, long[] shape, Init init) {}

    /** HF names and shapes in {@code named_parameters()} order; {@code lm_head.weight} only when untied. */
    static List<Spec> layout(ModelConfig c) {
        long d = c.hiddenSize();
        long kv = (long) c.numKvHeads() * c.headDim();
        long f = c.intermediateSize();
        List<Spec> out = new ArrayList<>();
        out.add(new Spec("model.embed_tokens.weight", new long[] {c.vocabSize(), d}, Init.NORMAL));
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            out.add(new Spec(p + "self_attn.q_proj.weight", new long[] {d, d}, Init.NORMAL));
            out.add(new Spec(p + "self_attn.q_proj.bias", new long[] {d}, Init.ZEROS));
            out.add(new Spec(p + "self_attn.k_proj.weight", new long[] {kv, d}, Init.NORMAL));
            out.add(new Spec(p + "self_attn.k_proj.bias", new long[] {kv}, Init.ZEROS));
            out.add(new Spec(p + "self_attn.v_proj.weight", new long[] {kv, d}, Init.NORMAL));
            out.add(new Spec(p + "self_attn.v_proj.bias", new long[] {kv}, Init.ZEROS));
            out.add(new Spec(p + "self_attn.o_proj.weight", new long[] {d, d}, Init.NORMAL));
            out.add(new Spec(p + "mlp.gate_proj.weight", new long[] {f, d}, Init.NORMAL));
            out.add(new Spec(p + "mlp.up_proj.weight", new long[] {f, d}, Init.NORMAL));
            out.add(new Spec(p + "mlp.down_proj.weight", new long[] {d, f}, Init.NORMAL));
            out.add(new Spec(p + "input_layernorm.weight", new long[] {d}, Init.ONES));
            out.add(new Spec(p + "post_attention_layernorm.weight", new long[] {d}, Init.ONES));
        }
        out.add(new Spec("model.norm.weight", new long[] {d}, Init.ONES));
        if (!c.tieWordEmbeddings()) {
            out.add(new Spec("lm_head.weight", new long[] {c.vocabSize(), d}, Init.NORMAL));
        }
        return out;
    }

    /**
     * A freshly initialised model. Each tensor draws from its own {@link SplittableRandom} seeded by {@code seed} and
     * the tensor's name, so the weights do not depend on the order of creation or on the machine.
     */
    public static Qwen2Model create(ModelConfig cfg, long seed, NDManager parent) {
        NDManager m = parent.newSubManager();
        try {
            LinkedHashMap<String, NDArray> params = new LinkedHashMap<>();
            for (Spec s : layout(cfg)) {
                long n = Math.multiplyExact(s.shape()[0], s.shape().length > 1 ? s.shape()[1] : 1L);
                ByteBuffer buf =
                        ByteBuffer.allocateDirect(Math.toIntExact(n * 4)).order(ByteOrder.nativeOrder());
                FloatBuffer fb = buf.asFloatBuffer();
                switch (s.init()) {
                    case NORMAL -> {
                        SplittableRandom rng = new SplittableRandom(
                                seed * 0x9E3779B97F4A7C15L + s.name().hashCode());
                        for (long i = 0; i < n; i++) {
                            fb.put((float) (rng.nextGaussian() * INIT_STD));
                        }
                    }
                    case ONES -> {
                        for (long i = 0; i < n; i++) {
                            fb.put(1f);
                        }
                    }
                    case ZEROS -> {} // a direct buffer starts zeroed
                    default -> throw new IllegalStateException();
                }
                params.put(s.name(), Safetensors.owned(m, buf, new Shape(s.shape()), DataType.FLOAT32));
            }
            return new Qwen2Model(cfg, m, params);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /**
     * Loads {@code config.json} and the weights from {@code model.safetensors}, or from the shards listed in
     * {@code model.safetensors.index.json}, or from every {@code *.safetensors} in the folder. F16/BF16 are widened to
     * fp32. A missing tensor, a wrong shape or an unknown tensor is an error naming the tensor; {@code lm_head.weight}
     * in a tied checkpoint and {@code rotary_emb.inv_freq} buffers are ignored.
     */
    public static Qwen2Model load(Path hfDir, NDManager parent) {
        return load(hfDir, parent, ModelConfig.Overrides.NONE);
    }

    /** {@link #load(Path, NDManager)} with {@code overrides} applied to the folder's config.json. */
    public static Qwen2Model load(Path hfDir, NDManager parent, ModelConfig.Overrides overrides) {
        ModelConfig cfg = ModelConfig.read(hfDir.resolve("config.json")).with(overrides);
        List<Path> files = weightFiles(hfDir);
        List<Safetensors> readers = new ArrayList<>();
        NDManager m = parent.newSubManager();
        try {
            Map<String, Safetensors> where = new LinkedHashMap<>();
            for (Path f : files) {
                Safetensors r = Safetensors.open(f);
                readers.add(r);
                for (String name : r.tensors().keySet()) {
                    Safetensors prev = where.put(name, r);
                    if (prev != null) {
                        throw new IllegalArgumentException(
                                "tensor '" + name + "' appears in both " + prev.file() + " and " + f);
                    }
                }
            }
            LinkedHashMap<String, NDArray> params = new LinkedHashMap<>();
            TreeSet<String> unused = new TreeSet<>(where.keySet());
            for (Spec s : layout(cfg)) {
                Safetensors r = where.get(s.name());
                if (r == null) {
                    throw new IllegalArgumentException("missing tensor '" + s.name() + "' (shape "
                            + Arrays.toString(s.shape()) + ") in " + hfDir + ": config.json and the weights disagree");
                }
                long[] actual = r.tensors().get(s.name()).shape();
                if (!Arrays.equals(actual, s.shape())) {
                    throw new IllegalArgumentException("tensor '" + s.name() + "' in " + r.file() + " has shape "
                            + Arrays.toString(actual) + " but config.json implies " + Arrays.toString(s.shape()));
                }
                NDArray a = r.load(s.name(), m);
                if (a.getDataType() != DataType.FLOAT32) {
                    throw new IllegalArgumentException("tensor '" + s.name() + "' in " + r.file() + " is "
                            + r.tensors().get(s.name()).dtype() + ", expected a floating-point type");
                }
                params.put(s.name(), a);
                unused.remove(s.name());
            }
            unused.removeIf(n -> n.endsWith(".rotary_emb.inv_freq"));
            if (cfg.tieWordEmbeddings() && unused.remove("lm_head.weight")) {
                LOG.info("{}: ignoring lm_head.weight because tie_word_embeddings=true", hfDir);
            }
            if (!unused.isEmpty()) {
                throw new IllegalArgumentException("unexpected tensor '" + unused.first() + "' in " + hfDir + " ("
                        + unused.size() + " unknown): config.json and the weights disagree");
            }
            return new Qwen2Model(cfg, m, params);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        } finally {
            for (Safetensors r : readers) {
                r.close();
            }
        }
    }

    private static List<Path> weightFiles(Path dir) {
        Path index = dir.resolve("model.safetensors.index.json");
        try {
            if (Files.exists(index)) {
                JsonNode map = new ObjectMapper().readTree(index.toFile()).get("weight_map");
                if (map == null || !map.isObject()) {
                    throw new IllegalArgumentException(index + ": no weight_map object");
                }
                TreeSet<String> names = new TreeSet<>();
                map.fields().forEachRemaining(e -> names.add(e.getValue().asText()));
                List<Path> out = new ArrayList<>();
                Path root = dir.toAbsolutePath().normalize();
                for (String n : names) {
                    Path p = root.resolve(n).normalize();
                    if (!p.getParent().equals(root)) {
                        throw new IllegalArgumentException(index + ": shard '" + n + "' is outside " + dir);
                    }
                    out.add(p);
                }
                return out;
            }
            Path single = dir.resolve("model.safetensors");
            if (Files.exists(single)) {
                return List.of(single);
            }
            try (Stream<Path> s = Files.list(dir)) {
                List<Path> all = s.filter(p -> p.getFileName().toString().endsWith(".safetensors"))
                        .sorted()
                        .toList();
                if (all.isEmpty()) {
                    throw new IllegalArgumentException("no *.safetensors weights in " + dir);
                }
                return all;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list weights in " + dir, e);
        }
    }

    /**
     * Writes {@code config.json}, {@code generation_config.json} and one fp32 {@code model.safetensors} (HF names,
     * metadata format=pt). Tokenizer files are copied by whoever owns them.
     */
    public void save(Path hfDir) {
        try (HostStaging staging = new HostStaging(HostStaging.Mode.AUTO, HostStaging.DEFAULT_BUFFER_BYTES)) {
            save(hfDir, staging);
        }
    }

    /** {@link #save(Path)}, the weights streamed through {@code staging} (bounded host memory for a GPU model). */
    public void save(Path hfDir, HostStaging staging) {
        if (Files.exists(hfDir.resolve("model.safetensors.index.json"))) {
            throw new IllegalStateException(hfDir + " already holds a sharded checkpoint; save into an empty folder");
        }
        cfg.write(hfDir.resolve("config.json"));
        var gen = new ObjectMapper().createObjectNode();
        if (cfg.bosTokenId() >= 0) {
            gen.put("bos_token_id", cfg.bosTokenId());
        }
        if (cfg.eosTokenId() >= 0) {
            gen.put("eos_token_id", cfg.eosTokenId());
        }
        try {
            new ObjectMapper()
                    .writerWithDefaultPrettyPrinter()
                    .writeValue(hfDir.resolve("generation_config.json").toFile(), gen);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write generation_config.json in " + hfDir, e);
        }
        Safetensors.write(
                hfDir.resolve("model.safetensors"),
                Collections.unmodifiableMap(params),
                Map.of("format", "pt"),
                staging);
    }

    /** The manager holding the weights (callers make sub-managers of it). */
    public NDManager manager() {
        return manager;
    }

    public ModelConfig config() {
        return cfg;
    }

    /**
     * HF names in {@code named_parameters()} order → the live fp32 weights (requiresGradient=true). The optimizer and
     * the all-reduce update these arrays in place. The map is a copy; the arrays are not.
     */
    public LinkedHashMap<String, NDArray> parameters() {
        return new LinkedHashMap<>(params);
    }

    /** Number of trainable scalars (a tied LM head is counted once). */
    public long parameterCount() {
        long n = 0;
        for (NDArray a : params.values()) {
            n += a.size();
        }
        return n;
    }

    /**
     * Logits for a right-padded batch.
     *
     * @param inputIds (B, T) int64
     * @param attentionMask (B, T), 1 = token, 0 = padding (right padding; left padding also works, since positions are
     *     counted over the mask)
     * @return (B, T, V) fp32 logits, differentiable when grad mode is on; rows at padded positions are finite garbage
     */
    public NDArray forward(NDArray inputIds, NDArray attentionMask) {
        NDArray mask = attentionMask.toType(DataType.INT64, false);
        NDArray positions = mask.cumSum(1).sub(1).maximum(0); // (B, T): index among the row's real tokens
        return logits(hidden(inputIds, positions, mask, null));
    }

    /**
     * The decoder with explicit positions and an optional cache: final-normed hidden states (B, T, D).
     *
     * @param inputIds (B, T) int64 new tokens
     * @param positions (B, T) int64 rotary position of each new token
     * @param keyMask (B, S), 1 = attend, 0 = not, over the S keys attended to: the T new ones without a cache; with
     *     one, the cache's first S positions (the new tokens' keys are the last T of them, causally masked)
     * @param cache the sampler's KV cache, set up for this forward ({@link KvCache#prefill} or
     *     {@link KvCache#decode}), or null
     */
    public NDArray hidden(NDArray inputIds, NDArray positions, NDArray keyMask, KvCache cache) {
        Context ctx = context(inputIds, positions, keyMask, cache);
        NDArray x = embed(inputIds); // (B, T, D)
        for (int i = 0; i < layers.length; i++) {
            x = layer(i, x, ctx);
        }
        return finalNorm(x); // (B, T, D)
    }

    /**
     * What every layer of one forward shares: rotary cos/sin (B, 1, T, E), the additive mask (B, 1, 1, T, S), the 0-d
     * score scale, and the cache (or null). Built by {@link #context}; for layer-by-layer use (activation
     * checkpointing: run {@link #layer} with grad mode off keeping each input, then recompute one layer at a time).
     */
    public record Context(NDArray cos, NDArray sin, NDArray mask, NDArray scale, KvCache cache) {}

    /** Builds the per-forward {@link Context}; arrays land in the manager of {@code inputIds}. Shapes as in hidden. */
    public Context context(NDArray inputIds, NDArray positions, NDArray keyMask, KvCache cache) {
        Shape s = inputIds.getShape();
        if (s.dimension() != 2 || !positions.getShape().equals(s)) {
            throw new IllegalArgumentException(
                    "inputIds " + s + " and positions " + positions.getShape() + " must both be (B, T)");
        }
        long b = s.get(0);
        long t = s.get(1);
        long past = keyMask.getShape().dimension() == 2 ? keyMask.getShape().get(1) - t : -1;
        if (keyMask.getShape().dimension() != 2
                || keyMask.getShape().get(0) != b
                || past < 0
                || (cache == null && past != 0)) {
            throw new IllegalArgumentException("keyMask " + keyMask.getShape() + " must be (B, "
                    + (cache == null ? "T) = (" + b + ", " + t + ")" : "S) with S >= T, B = " + b + ", T = " + t));
        }
        NDArray[] rotary = rotary(positions);
        NDArray cos = rotary[0];
        NDArray sin = rotary[1];
        NDArray mask = additiveMask(keyMask, t, past); // (B, 1, 1, T, S)
        // a 0-d array, not mul(Number), whose gradient DJL gets wrong; it lives in the step manager until after
        // backward
        NDArray scale = inputIds.getManager().create((float) (1.0 / Math.sqrt(cfg.headDim())));
        return new Context(cos, sin, mask, scale, cache);
    }

    /**
     * Rotary {cos, sin} at {@code positions} (B, T) int64, each (B, 1, T, E), in the manager of {@code positions};
     * positions at or beyond max_position_embeddings are an error.
     */
    public NDArray[] rotary(NDArray positions) {
        return rotary(positions, positions.size() == 0 ? 0 : positions.max().getLong());
    }

    /** {@link #rotary(NDArray)} when the caller knows the largest position (saves a reduction and a device sync). */
    NDArray[] rotary(NDArray positions, long maxPosition) {
        NDArray[] table = ropeTable(maxPosition);
        return new NDArray[] {
            lookup(positions, table[0]).expandDims(1), // (B,T,E)→(B,1,T,E)
            lookup(positions, table[1]).expandDims(1), // (B,T,E)→(B,1,T,E)
        };
    }

    /** The 12 weights of decoder block {@code i} in {@link Layer} order (the layer kernel's argument order). */
    NDList layerWeights(int i) {
        Layer l = layers[i];
        return new NDList(
                l.qW(),
                l.qB(),
                l.kW(),
                l.kB(),
                l.vW(),
                l.vB(),
                l.oW(),
                l.gateW(),
                l.upW(),
                l.downW(),
                l.inputNorm(),
                l.postNorm());
    }

    /** The final RMSNorm's weight. */
    NDArray finalNormWeight() {
        return finalNorm;
    }

    /** The LM head matrix (V, D): the embedding matrix when tied. */
    NDArray lmHeadWeight() {
        return lmHead;
    }

    /** Token embedding: ids (B, T) int64 → (B, T, D). */
    public NDArray embed(NDArray inputIds) {
        return lookup(inputIds, embed);
    }

    /** Decoder block {@code i}: x (B, T, D) → (B, T, D); extends {@code ctx.cache()} for this layer if present. */
    public NDArray layer(int i, NDArray x, Context ctx) {
        return layers[i].forward(x, ctx.cos(), ctx.sin(), ctx.mask(), ctx.scale(), cfg, ctx.cache(), i);
    }

    /** Final RMSNorm: (B, T, D) → (B, T, D). */
    public NDArray finalNorm(NDArray x) {
        return rmsNorm(x, finalNorm, cfg.rmsNormEps());
    }

    /** LM head: hidden (…, D) → logits (…, V) fp32 (the embedding matrix when tied). */
    public NDArray logits(NDArray hidden) {
        return linear(hidden, lmHead, null);
    }

    /** Additive attention mask (B, 1, 1, T, S): 0 where key j ≤ query P+i (cache index) and key j is real, else -1e9. */
    private static NDArray additiveMask(NDArray keyMask, long t, long past) {
        NDManager m = keyMask.getManager();
        long b = keyMask.getShape().get(0);
        long sLen = keyMask.getShape().get(1);
        NDArray query =
                m.arange((int) past, (int) (past + t), 1, DataType.INT64).reshape(t, 1); // (T, 1)
        NDArray key = m.arange(0, (int) sLen, 1, DataType.INT64).reshape(1, sLen); // (1, S)
        NDArray causal = key.lte(query).toType(DataType.FLOAT32, false); // (T, S)
        NDArray real = keyMask.toType(DataType.FLOAT32, false).reshape(b, 1, sLen); // (B, 1, S)
        NDArray keep = real.mul(causal); // (B, T, S)
        return keep.sub(1f).mul(-MASKED).reshape(b, 1, 1, t, sLen); // off the grad path, so mul(Number) is safe
    }

    /** The rotary tables, grown (doubling, up to maxPositions) to cover position {@code maxPos}. */
    private NDArray[] ropeTable(long maxPos) {
        if (maxPos >= cfg.maxPositions()) {
            throw cfg.beyondMaxPositions("the sequence", maxPos);
        }
        NDArray[] r = rope;
        if (r == null || r[0].getShape().get(0) <= maxPos) {
            synchronized (this) {
                r = rope;
                if (r == null || r[0].getShape().get(0) <= maxPos) {
                    int n = INITIAL_ROPE_POSITIONS;
                    while (n <= maxPos) {
                        n *= 2;
                    }
                    n = Math.min(n, cfg.maxPositions());
                    float[][] t = ropeTables(n, cfg.headDim(), cfg.ropeTheta());
                    NDArray[] fresh = new NDArray[2];
                    for (int i = 0; i < 2; i++) {
                        ByteBuffer buf =
                                ByteBuffer.allocateDirect(t[i].length * 4).order(ByteOrder.nativeOrder());
                        buf.asFloatBuffer().put(t[i]);
                        fresh[i] = Safetensors.owned(manager, buf, new Shape(n, cfg.headDim()), DataType.FLOAT32);
                    }
                    rope = r = fresh; // older tables stay alive (another thread may use them) until close()
                }
            }
        }
        return r;
    }

    @Override
    public void close() {
        manager.close();
    }

    // ============================================================================================ KV cache

    /**
     * The sampler's keys and values of every layer: two preallocated (R, K, C, E) fp32 arrays per layer for R rows of
     * up to C positions, written in place (no-grad only). Row r holds its sequence at positions [0, length_r). Before
     * each forward the sampler says what it is: a {@link #prefill} of new rows, or a {@link #decode} step of rows
     * [0, B). The eager model writes through {@link #store}; the layer kernel writes {@link #keys} and
     * {@link #values} itself.
     */
    public static final class KvCache implements AutoCloseable {
        private final NDManager manager;
        private final NDArray[] keys;
        private final NDArray[] values;
        private int[] prefillRows;
        private int[] decodeAt;
        private long writes;

        /** A zeroed cache of {@code rows} × {@code capacity} positions, in a sub-manager of {@code parent}. */
        public KvCache(ModelConfig c, int rows, int capacity, NDManager parent) {
            manager = parent.newSubManager();
            keys = new NDArray[c.numLayers()];
            values = new NDArray[c.numLayers()];
            Shape shape = new Shape(rows, c.numKvHeads(), capacity, c.headDim());
            for (int i = 0; i < keys.length; i++) {
                keys[i] = manager.zeros(shape, DataType.FLOAT32);
                values[i] = manager.zeros(shape, DataType.FLOAT32);
            }
        }

        /** fp32 bytes of one row of {@code capacity} positions over all layers. */
        public static long rowBytes(ModelConfig c, long capacity) {
            return 2L * c.numLayers() * c.numKvHeads() * c.headDim() * capacity * Float.BYTES;
        }

        /** The next forward runs new sequences from position 0; batch row i goes to cache row {@code rows[i]}. */
        void prefill(int[] rows) {
            prefillRows = rows.clone();
            decodeAt = null;
        }

        /** The next forward is one token for each cache row b in [0, at.length), stored at position {@code at[b]}. */
        void decode(int[] at) {
            decodeAt = at.clone();
            prefillRows = null;
        }

        NDArray keys(int layer) {
            return keys[layer];
        }

        NDArray values(int layer) {
            return values[layer];
        }

        /** Engine calls made by {@link #store} so far (one per row written). */
        long writes() {
            return writes;
        }

        /**
         * Stores a layer's new keys and values (B, K, T, E) as set up, and returns the {keys, values} to attend to:
         * the new ones for a prefill, the first {@code width} positions of rows [0, B) for a decoding step.
         */
        NDArray[] store(int layer, NDArray key, NDArray val, long width) {
            if (JniUtils.isGradMode()) {
                throw new IllegalStateException(
                        "KvCache is for no-grad decoding; turn grad mode off (JniUtils.setGradMode)");
            }
            if (prefillRows != null) {
                long t = key.getShape().get(2);
                for (int i = 0; i < prefillRows.length; i++) {
                    keys[layer].set(new NDIndex("{}, :, :{}", prefillRows[i], t), key.get(i));
                    values[layer].set(new NDIndex("{}, :, :{}", prefillRows[i], t), val.get(i));
                    writes += 2;
                }
                return new NDArray[] {key, val};
            }
            if (decodeAt == null) {
                throw new IllegalStateException("KvCache: call prefill or decode before the forward");
            }
            int b = decodeAt.length;
            for (int r = 0; r < b; r++) {
                keys[layer].set(new NDIndex("{}, :, {}", r, decodeAt[r]), key.get("{}, :, 0", r));
                values[layer].set(new NDIndex("{}, :, {}", r, decodeAt[r]), val.get("{}, :, 0", r));
                writes += 2;
            }
            return new NDArray[] {
                keys[layer].get("0:{}, :, 0:{}", b, width), values[layer].get("0:{}, :, 0:{}", b, width)
            };
        }

        @Override
        public void close() {
            manager.close();
        }
    }
}
