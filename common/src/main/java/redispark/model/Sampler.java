package redispark.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.cuda.CudaUtils;
import java.lang.management.MemoryUsage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Autoregressive sampling with continuous batching over a preallocated KV cache.
 *
 * <p>Up to {@code maxRows} sequences decode together, one cache row each. A new sequence is prefilled (its whole
 * prompt in one forward, with the other sequences admitted at the same time, right-padded) and then fed one token
 * per step; when it stops, its row is refilled with the next pending request. Keys and values are written in place
 * at each row's own length, and a step attends to each row's own positions only, so rows of any lengths share a
 * step and no sequence is copied as it grows.
 *
 * <p>Token choice (greedy, or temperature and top-p) runs on the engine: only the chosen ids come back. Each request
 * draws one uniform number per token from its own generator, seeded by the request alone, so a sequence does not
 * depend on its row, on the other sequences, or on {@code maxRows}.
 *
 * <p>{@link Path#KERNEL} runs each decoder layer as one call of the compiled {@link LayerKernel} (prefill and
 * decoding step) and the head and sampling as one more; {@link Path#EAGER} runs the eager {@link Qwen2Model} in DJL
 * operations, the reference. The forward runs with this thread's grad mode off, restored afterwards.
 */
public final class Sampler {

    /** How the decoder runs. */
    public enum Path {
        KERNEL,
        EAGER;

        public String label() {
            return Labels.of(this);
        }

        public static Path parse(String s) {
            return Labels.parse(Path.class, s, "sampler path");
        }
    }

    /**
     * Candidates per token of the kernel's sampling (each inside the top-p nucleus with probability >= top-p; if all
     * fall outside, the kernel sorts).
     */
    static final int KERNEL_CANDIDATES = 4;

    /** Rows decoded together by default. */
    public static final int DEFAULT_MAX_ROWS = 64;

    /**
     * The KV cache on the host may take at most this much memory; fewer rows decode together when long sequences
     * need more.
     */
    public static final long HOST_CACHE_BUDGET_BYTES = 4L << 30;

    /**
     * Share of a GPU's free memory (after the weights are loaded) the KV cache may take; the rest is left to a
     * step's activations and logits and to the allocator's fragmentation.
     */
    static final double GPU_CACHE_SHARE = 0.8;

    /**
     * Bytes the KV cache may take on {@code device}: on a GPU, {@link #GPU_CACHE_SHARE} of its free memory (so an
     * H100 decodes many 32k-token rows together instead of the host budget's few); on the host, {@link
     * #HOST_CACHE_BUDGET_BYTES}.
     */
    static long cacheBudget(Device device) {
        if (!device.isGpu()) {
            return HOST_CACHE_BUDGET_BYTES;
        }
        MemoryUsage memory = CudaUtils.getGpuMemory(device);
        return gpuCacheBudget(memory.getMax() - memory.getCommitted());
    }

    /** {@link #GPU_CACHE_SHARE} of {@code freeBytes}, at least one byte (one row then decodes alone). */
    static long gpuCacheBudget(long freeBytes) {
        return Math.max(1, (long) (GPU_CACHE_SHARE * Math.max(0, freeBytes)));
    }

    /** One sequence to sample: its prompt, and the seed of its own random numbers (see {@link #seed}). */
    public record Request(long[] prompt, long seed) {}

    private final Qwen2Model model;
    private final Path path;
    private final int maxRows;
    private final LayerKernel kernel;

    /** The kernel path, {@link #DEFAULT_MAX_ROWS} rows. */
    public Sampler(Qwen2Model m) {
        this(m, Path.KERNEL, DEFAULT_MAX_ROWS);
    }

    public Sampler(Qwen2Model m, Path path, int maxRows) {
        if (maxRows < 1) {
            throw new IllegalArgumentException("maxRows must be >= 1, got " + maxRows);
        }
        this.model = m;
        this.path = path;
        this.maxRows = maxRows;
        this.kernel = path == Path.KERNEL ? LayerKernel.get() : null;
    }

    /**
     * The seed of sample {@code sample} of problem {@code problem} in a run seeded {@code seed}: what makes a rerun
     * identical, however the requests are batched.
     */
    public static long seed(long seed, long problem, long sample) {
        return mix(mix(mix(seed) + problem) + sample);
    }

    /** The finaliser of SplittableRandom's mixer (Stafford variant 13): nearby inputs give unrelated seeds. */
    private static long mix(long z) {
        z = (z + 0x9E3779B97F4A7C15L) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Samples one continuation per prompt; prompt i draws from {@code seed(p.seed(), i, 0)}.
     *
     * @param promptIds token ids of each prompt (non-empty)
     * @param stopTokenIds ids that end a row (e.g. EOS and the chat end-of-turn token); not included in the output
     */
    public List<Generation> generate(List<long[]> promptIds, SamplingParams p, long[] stopTokenIds) {
        return generate(promptIds, p, stopTokenIds, new Stats());
    }

    /** {@link #generate}, adding what the run did to {@code stats} (for the benchmark). */
    List<Generation> generate(List<long[]> promptIds, SamplingParams p, long[] stopTokenIds, Stats stats) {
        List<Request> requests = new ArrayList<>(promptIds.size());
        for (int i = 0; i < promptIds.size(); i++) {
            requests.add(new Request(promptIds.get(i), seed(p.seed(), i, 0)));
        }
        return new Run(requests, p, stopTokenIds, stats).decode();
    }

    /**
     * Samples every request (e.g. problems × samples) with continuous batching; the result is in request order.
     * {@code p.seed()} is not used: each request carries its seed.
     */
    public List<Generation> generateAll(List<Request> requests, SamplingParams p, long[] stopTokenIds) {
        return new Run(requests, p, stopTokenIds, new Stats()).decode();
    }

    /**
     * Work and time of generation runs: prefill (the forwards over new prompts, with their first token's sampling)
     * and decoding (every other step, one token per live row). Engine operations are counted as the arrays a
     * decoding step creates (every engine call from Java returns a new array) plus the eager cache's in-place writes.
     */
    static final class Stats {
        long prefillTokens;
        long prefillNanos;
        long decodedTokens;
        long decodeNanos;
        long decodeSteps;
        long decodeOps;
    }

    /** One call of {@link #generate}: the pending requests, the rows and what each row has produced. */
    private final class Run {
        private final List<Request> requests;
        private final SamplingParams p;
        private final long[] stops;
        private final Stats stats;
        private final ModelConfig c;
        private final Generation[] done;
        private final long[][] out;
        private final int[] produced;
        private final SplittableRandom[] rng;
        private final ArrayDeque<Integer> pending = new ArrayDeque<>();
        private int capacity;
        private int[] rowRequest; // request in each cache row, -1 = free
        private int[] rowLength; // positions of the row in the cache
        private long[] rowLast; // the row's last token, fed at the next step

        Run(List<Request> requests, SamplingParams p, long[] stops, Stats stats) {
            this.requests = requests;
            this.p = p;
            this.stops = stops;
            this.stats = stats;
            this.c = model.config();
            int n = requests.size();
            done = new Generation[n];
            out = new long[n][];
            produced = new int[n];
            rng = new SplittableRandom[n];
        }

        List<Generation> decode() {
            int n = requests.size();
            int longest = 0;
            for (int i = 0; i < n; i++) {
                long[] pr = requests.get(i).prompt();
                if (pr.length == 0) {
                    throw new IllegalArgumentException("empty prompt");
                }
                for (long id : pr) {
                    if (id < 0 || id >= c.vocabSize()) {
                        throw new IllegalArgumentException(
                                "prompt " + i + " has token id " + id + " outside [0, " + c.vocabSize() + ")");
                    }
                }
                longest = Math.max(longest, pr.length);
            }
            if (longest + (long) p.maxNewTokens() > c.maxPositions()) {
                throw c.beyondMaxPositions(
                        "a prompt of " + longest + " tokens + " + p.maxNewTokens() + " new tokens",
                        longest + p.maxNewTokens() - 1L);
            }
            if (n == 0) {
                return List.of();
            }
            if (p.maxNewTokens() == 0) {
                return Arrays.stream(done)
                        .map(g -> new Generation(new long[0], Generation.LENGTH))
                        .toList();
            }
            capacity = longest + p.maxNewTokens(); // the last token sampled is never fed
            long fit = Math.max(1, cacheBudget(model.manager().getDevice()) / Qwen2Model.KvCache.rowBytes(c, capacity));
            int rows = (int) Math.min(Math.min(maxRows, n), fit);
            rowRequest = new int[rows];
            Arrays.fill(rowRequest, -1);
            rowLength = new int[rows];
            rowLast = new long[rows];
            for (int i = 0; i < n; i++) {
                pending.add(i);
            }
            boolean grad = JniUtils.isGradMode();
            JniUtils.setGradMode(false);
            try (NDManager gen = model.manager().newSubManager();
                    Qwen2Model.KvCache cache = new Qwen2Model.KvCache(c, rows, capacity, gen)) {
                while (true) {
                    admit(gen, cache);
                    int top = topRow();
                    if (top < 0) {
                        break; // nothing live, and admit left nothing pending
                    }
                    step(gen, cache, top + 1);
                }
            } finally {
                JniUtils.setGradMode(grad);
            }
            return Arrays.asList(done);
        }

        /** Highest live row, or -1. */
        private int topRow() {
            for (int r = rowRequest.length - 1; r >= 0; r--) {
                if (rowRequest[r] >= 0) {
                    return r;
                }
            }
            return -1;
        }

        /** Prefills pending requests into the free rows (lowest first) until no row is free or nothing is pending. */
        private void admit(NDManager gen, Qwen2Model.KvCache cache) {
            while (!pending.isEmpty()) {
                List<Integer> free = new ArrayList<>();
                for (int r = 0; r < rowRequest.length && free.size() < pending.size(); r++) {
                    if (rowRequest[r] < 0) {
                        free.add(r);
                    }
                }
                if (free.isEmpty()) {
                    return;
                }
                int[] slots = free.stream().mapToInt(Integer::intValue).toArray();
                int[] reqs = new int[slots.length];
                for (int i = 0; i < slots.length; i++) {
                    reqs[i] = pending.poll();
                    rowRequest[slots[i]] = reqs[i];
                    rng[reqs[i]] = new SplittableRandom(requests.get(reqs[i]).seed());
                    out[reqs[i]] = new long[p.maxNewTokens()];
                }
                long started = System.nanoTime();
                long[] next = prefill(gen, cache, slots, reqs);
                for (int i = 0; i < slots.length; i++) {
                    rowLength[slots[i]] = requests.get(reqs[i]).prompt().length;
                    stats.prefillTokens += rowLength[slots[i]];
                    accept(slots[i], next[i]);
                }
                stats.prefillNanos += System.nanoTime() - started;
            }
        }

        /** Records row r's new token: the row ends on a stop token or at maxNewTokens, else feeds it next step. */
        private void accept(int r, long token) {
            int q = rowRequest[r];
            boolean stop = contains(stops, token);
            if (!stop) {
                out[q][produced[q]++] = token;
            }
            if (stop || produced[q] == p.maxNewTokens()) {
                done[q] =
                        new Generation(Arrays.copyOf(out[q], produced[q]), stop ? Generation.STOP : Generation.LENGTH);
                out[q] = null;
                rowRequest[r] = -1;
            } else {
                rowLast[r] = token;
            }
        }

        /** {@link #uniformsPerToken} draws per row from its request's generator (0 for a free row), as (rows, U). */
        private NDArray uniforms(NDManager m, int[] rows) {
            int k = uniformsPerToken();
            float[] u = new float[rows.length * k];
            for (int i = 0; i < rows.length; i++) {
                int q = rowRequest[rows[i]];
                for (int j = 0; j < k; j++) {
                    u[i * k + j] = q < 0 ? 0f : (float) rng[q].nextDouble();
                }
            }
            return m.create(u, new Shape(rows.length, k));
        }

        /** The kernel's rejection draws take {@link #KERNEL_CANDIDATES} candidates and one spare; eager needs one. */
        private int uniformsPerToken() {
            return path == Path.KERNEL ? KERNEL_CANDIDATES + 1 : 1;
        }

        /** Runs new requests {@code reqs} into cache rows {@code slots}; returns each one's first token. */
        private long[] prefill(NDManager gen, Qwen2Model.KvCache cache, int[] slots, int[] reqs) {
            int n = slots.length;
            int t = 0;
            for (int q : reqs) {
                t = Math.max(t, requests.get(q).prompt().length);
            }
            long[] ids = new long[n * t];
            long[] pos = new long[n * t];
            long[] last = new long[n]; // flat index of each row's last prompt token
            for (int i = 0; i < n; i++) {
                long[] pr = requests.get(reqs[i]).prompt();
                System.arraycopy(pr, 0, ids, i * t, pr.length); // right-padded with id 0
                for (int j = 0; j < t; j++) {
                    pos[i * t + j] = j;
                }
                last[i] = (long) i * t + pr.length - 1;
            }
            try (NDManager m = gen.newSubManager()) {
                NDArray inputIds = m.create(ids, new Shape(n, t));
                NDArray positions = m.create(pos, new Shape(n, t));
                NDArray at = m.create(last, new Shape(n));
                NDArray u = uniforms(m, slots);
                if (path == Path.EAGER) {
                    cache.prefill(slots);
                    NDArray keyMask = m.ones(new Shape(n, t), DataType.INT64);
                    NDArray h = model.hidden(inputIds, positions, keyMask, cache); // (N, T, D)
                    return eagerSample(h.reshape(n * t, c.hiddenSize()).get(at), u);
                }
                NDArray rows = m.create(Arrays.stream(slots).asLongStream().toArray(), new Shape(n));
                NDArray[] rotary = model.rotary(positions, t - 1);
                NDArray eps = m.create((float) c.rmsNormEps());
                NDArray x = model.embed(inputIds);
                for (int l = 0; l < c.numLayers(); l++) {
                    x = kernel.prefillLayer(
                            x, model.layerWeights(l), rotary[0], rotary[1], eps, cache.keys(l), cache.values(l), rows);
                }
                return kernelSample(m, x, at, eps, u);
            }
        }

        /** One decoding step of cache rows [0, b): every live row gets its next token. */
        private void step(NDManager gen, Qwen2Model.KvCache cache, int b) {
            long started = System.nanoTime();
            long writesBefore = cache.writes();
            int width = 0;
            int live = 0;
            long[] ids = new long[b];
            long[] pos = new long[b]; // a free row feeds token 0 at position 0: harmless, its output is dropped
            int[] rows = new int[b];
            for (int r = 0; r < b; r++) {
                rows[r] = r;
                if (rowRequest[r] >= 0) {
                    ids[r] = rowLast[r];
                    pos[r] = rowLength[r];
                    width = Math.max(width, rowLength[r] + 1);
                    live++;
                }
            }
            long[] next;
            try (NDManager m = gen.newSubManager()) {
                NDArray inputIds = m.create(ids, new Shape(b, 1));
                NDArray positions = m.create(pos, new Shape(b, 1));
                NDArray u = uniforms(m, rows);
                boolean[] keep = new boolean[b * width]; // row r attends to its positions [0, length_r]
                for (int r = 0; r < b; r++) {
                    Arrays.fill(keep, r * width, r * width + (int) pos[r] + 1, true);
                }
                if (path == Path.EAGER) {
                    cache.decode(Arrays.stream(pos).mapToInt(v -> (int) v).toArray());
                    NDArray keyMask = m.create(keep, new Shape(b, width)).toType(DataType.INT64, false);
                    NDArray h = model.hidden(inputIds, positions, keyMask, cache); // (B, 1, D)
                    next = eagerSample(h.reshape(b, c.hiddenSize()), u);
                } else {
                    NDArray keepMask = m.create(keep, new Shape(b, 1, 1, width));
                    next = kernelStep(m, cache, inputIds, positions, width - 1, keepMask, u);
                }
                stats.decodeOps += m.getManagedArrays().size() + cache.writes() - writesBefore;
            }
            for (int r = 0; r < b; r++) {
                if (rowRequest[r] >= 0) {
                    rowLength[r]++;
                    accept(r, next[r]);
                }
            }
            stats.decodeSteps++;
            stats.decodedTokens += live;
            stats.decodeNanos += System.nanoTime() - started;
        }

        private long[] kernelStep(
                NDManager m,
                Qwen2Model.KvCache cache,
                NDArray inputIds,
                NDArray positions,
                long maxPos,
                NDArray keep,
                NDArray u) {
            long b = inputIds.getShape().get(0);
            NDArray index = positions.reshape(b);
            NDArray[] rotary = model.rotary(positions, maxPos);
            NDArray eps = m.create((float) c.rmsNormEps());
            NDArray x = model.embed(inputIds);
            for (int l = 0; l < c.numLayers(); l++) {
                x = kernel.decodeLayer(
                        x,
                        model.layerWeights(l),
                        rotary[0],
                        rotary[1],
                        eps,
                        cache.keys(l),
                        cache.values(l),
                        index,
                        keep);
            }
            NDArray at = m.arange(0, (int) b, 1, DataType.INT64);
            return kernelSample(m, x, at, eps, u);
        }

        private long[] kernelSample(NDManager m, NDArray x, NDArray at, NDArray eps, NDArray u) {
            return kernel.sampleNext(
                            x,
                            at,
                            model.finalNormWeight(),
                            model.lmHeadWeight(),
                            eps,
                            m.create((float) p.temperature()),
                            m.create((float) p.topP()),
                            u)
                    .toLongArray();
        }

        /** Final-normed hidden states (N, D) → one id per row, in DJL operations. */
        private long[] eagerSample(NDArray normed, NDArray u) {
            return sampleIds(model.logits(normed), p, u);
        }
    }

    /**
     * The eager path's token choice, the same rule as the kernel's {@code sample_logits}: logits (N, V) fp32 → one id
     * per row; greedy at temperature 0 (lowest id on ties), else the top-p nucleus of softmax(logits / temperature)
     * (the most likely ids whose cumulative probability before them is below top-p; the first always), renormalised,
     * at {@code uniforms} (N, 1) in [0, 1).
     */
    static long[] sampleIds(NDArray logits, SamplingParams p, NDArray uniforms) {
        if (p.temperature() == 0) {
            return logits.argMax(-1).toLongArray();
        }
        long n = logits.getShape().get(0);
        NDArray probs = logits.div(p.temperature()).softmax(-1); // no grad here, so div(Number) is safe
        NDArray order = probs.argSort(-1, false); // (N, V) ids, most likely first
        NDArray ranked = probs.gather(order, -1);
        NDArray inside = ranked.cumSum(-1).sub(ranked).lt(p.topP());
        NDArray running = ranked.mul(inside.toType(DataType.FLOAT32, false)).cumSum(-1);
        NDArray target = uniforms.reshape(n, 1).mul(running.get(":, -1:"));
        NDArray rank = running.lte(target).toType(DataType.INT64, false).sum(new int[] {-1}, true);
        NDArray lastInside =
                inside.toType(DataType.INT64, false).sum(new int[] {-1}, true).sub(1);
        return order.gather(rank.minimum(lastInside), -1).toLongArray();
    }

    private static boolean contains(long[] ids, long id) {
        for (long x : ids) {
            if (x == id) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "Sampler[" + path.label() + ", " + maxRows + " rows]";
    }
}
