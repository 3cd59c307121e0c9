package redispark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Batched autoregressive sampling with a KV cache.
 *
 * <p>Prompts of different lengths are left-padded to the longest one L, so every row's next token sits at the same
 * cache index; each row keeps its own rotary positions (0 at its first real token) and the padded keys are masked.
 * Step 0 runs the whole padded prompt (prefill) and every later step feeds one token per row. A finished row keeps
 * being fed (its output is ignored) until every row has stopped or {@code maxNewTokens} is reached. The forward runs
 * with this thread's grad mode off, restored afterwards.
 */
public final class Sampler {

    private final Qwen2Model model;

    public Sampler(Qwen2Model m) {
        this.model = m;
    }

    /**
     * Samples one continuation per prompt.
     *
     * @param promptIds token ids of each prompt (non-empty)
     * @param stopTokenIds ids that end a row (e.g. EOS and the chat end-of-turn token); not included in the output
     */
    public List<Generation> generate(List<long[]> promptIds, SamplingParams p, long[] stopTokenIds) {
        return run(promptIds, p, stopTokenIds, true, new Stats());
    }

    /** {@link #generate}, adding what the run did to {@code stats} (for the benchmark). */
    List<Generation> generate(List<long[]> promptIds, SamplingParams p, long[] stopTokenIds, Stats stats) {
        return run(promptIds, p, stopTokenIds, true, stats);
    }

    /**
     * Work and time of generation runs: prefill (the forward over the prompts, with the first token's sampling) and
     * decoding (every later step, one token per live row). Engine operations are counted as the arrays a step
     * creates: every engine call from Java returns a new array.
     */
    static final class Stats {
        long prefillTokens;
        long prefillNanos;
        long decodedTokens;
        long decodeNanos;
        long decodeSteps;
        long decodeOps;
    }

    /** The same decoding without the cache (the whole context re-run each step); for tests. */
    List<Generation> generateWithoutCache(List<long[]> promptIds, SamplingParams p, long[] stopTokenIds) {
        return run(promptIds, p, stopTokenIds, false, new Stats());
    }

    private List<Generation> run(
            List<long[]> prompts, SamplingParams p, long[] stopTokenIds, boolean useCache, Stats stats) {
        int b = prompts.size();
        if (b == 0) {
            return List.of();
        }
        int width = 0;
        for (long[] pr : prompts) {
            if (pr.length == 0) {
                throw new IllegalArgumentException("empty prompt");
            }
            width = Math.max(width, pr.length);
        }
        ModelConfig c = model.config();
        if (width + p.maxNewTokens() > c.maxPositions()) {
            throw c.beyondMaxPositions(
                    "a prompt of " + width + " tokens + " + p.maxNewTokens() + " new tokens",
                    width + p.maxNewTokens() - 1L);
        }
        int total = width + p.maxNewTokens();
        long[][] seq = new long[b][total]; // left-padded prompt, then generated tokens
        long[][] pos = new long[b][total];
        long[][] real = new long[b][total];
        for (int i = 0; i < b; i++) {
            long[] pr = prompts.get(i);
            int pad = width - pr.length;
            for (int j = 0; j < pr.length; j++) {
                long id = pr[j];
                if (id < 0 || id >= c.vocabSize()) {
                    throw new IllegalArgumentException(
                            "prompt " + i + " has token id " + id + " outside [0, " + c.vocabSize() + ")");
                }
                seq[i][pad + j] = id;
                pos[i][pad + j] = j;
                real[i][pad + j] = 1;
            }
            for (int j = width; j < total; j++) {
                pos[i][j] = pr.length + (j - width);
                real[i][j] = 1;
            }
        }
        SplittableRandom rootRng = new SplittableRandom(p.seed());
        SplittableRandom[] rng = new SplittableRandom[b];
        for (int i = 0; i < b; i++) {
            rng[i] = rootRng.split();
        }
        List<long[]> out = new ArrayList<>();
        int[] produced = new int[b];
        String[] reason = new String[b];
        for (int i = 0; i < b; i++) {
            out.add(new long[p.maxNewTokens()]);
        }
        int live = b;
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager gen = model.manager().newSubManager();
                Qwen2Model.KvCache cache = useCache ? new Qwen2Model.KvCache(c, b, gen) : null) {
            int done = 0; // sequence columns already in the cache
            for (int len = width; len < total && live > 0; len++) { // generate column len from columns [0, len)
                int from = useCache ? done : 0;
                long started = System.nanoTime();
                long appendsBefore = cache == null ? 0 : cache.appends();
                float[] logits;
                try (NDManager step = gen.newSubManager()) {
                    NDArray ids = step.create(columns(seq, from, len), new Shape(b, len - from)); // (B, T)
                    NDArray positions = step.create(columns(pos, from, len), new Shape(b, len - from)); // (B, T)
                    NDArray keyMask = step.create(columns(real, 0, len), new Shape(b, len)); // (B, S)
                    NDArray hidden = model.hidden(ids, positions, keyMask, cache); // (B, T, D)
                    logits = model.logits(hidden.get(":, -1, :")).toFloatArray(); // (B, V)
                    if (len > width) {
                        stats.decodeOps +=
                                step.getManagedArrays().size() + (cache == null ? 0 : cache.appends() - appendsBefore);
                    }
                }
                done = len;
                int v = c.vocabSize();
                int liveBefore = live;
                for (int i = 0; i < b; i++) {
                    long next = reason[i] == null ? pick(logits, i * v, v, p, rng[i]) : 0;
                    seq[i][len] = next;
                    if (reason[i] != null) {
                        continue;
                    }
                    if (contains(stopTokenIds, next)) {
                        reason[i] = Generation.STOP;
                        live--;
                    } else {
                        out.get(i)[produced[i]++] = next;
                        if (produced[i] == p.maxNewTokens()) {
                            reason[i] = Generation.LENGTH;
                            live--;
                        }
                    }
                }
                long nanos = System.nanoTime() - started;
                if (len == width) {
                    stats.prefillTokens += (long) b * width;
                    stats.prefillNanos += nanos;
                } else {
                    stats.decodeSteps++;
                    stats.decodeNanos += nanos;
                    stats.decodedTokens += liveBefore;
                }
            }
        } finally {
            JniUtils.setGradMode(grad);
        }
        List<Generation> result = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            result.add(new Generation(
                    Arrays.copyOf(out.get(i), produced[i]), reason[i] == null ? Generation.LENGTH : reason[i]));
        }
        return result;
    }

    private static long[] columns(long[][] a, int from, int to) {
        long[] flat = new long[a.length * (to - from)];
        for (int i = 0; i < a.length; i++) {
            System.arraycopy(a[i], from, flat, i * (to - from), to - from);
        }
        return flat;
    }

    private static boolean contains(long[] ids, long id) {
        for (long x : ids) {
            if (x == id) {
                return true;
            }
        }
        return false;
    }

    /** Greedy (temperature 0) or temperature + top-p sampling from logits[off, off + v). */
    static long pick(float[] logits, int off, int v, SamplingParams p, SplittableRandom rng) {
        if (p.temperature() == 0) {
            int best = 0;
            for (int j = 1; j < v; j++) {
                if (logits[off + j] > logits[off + best]) {
                    best = j;
                }
            }
            return best;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < v; j++) {
            max = Math.max(max, logits[off + j]);
        }
        double[] prob = new double[v];
        double z = 0;
        for (int j = 0; j < v; j++) {
            prob[j] = Math.exp((logits[off + j] - max) / p.temperature());
            z += prob[j];
        }
        // sort ids by probability, descending (ties: lower id first)
        long[] keys = new long[v];
        for (int j = 0; j < v; j++) {
            prob[j] /= z;
            keys[j] = ((long) Float.floatToIntBits((float) prob[j]) << 32) | (0xFFFFFFFFL - j);
        }
        Arrays.sort(keys);
        double mass = 0;
        int kept = 0;
        while (kept < v && (kept == 0 || mass < p.topP())) {
            mass += prob[idOf(keys[v - 1 - kept])];
            kept++;
        }
        double u = rng.nextDouble() * mass;
        double acc = 0;
        for (int r = 0; r < kept; r++) {
            int j = idOf(keys[v - 1 - r]);
            acc += prob[j];
            if (u < acc) {
                return j;
            }
        }
        return idOf(keys[v - kept]);
    }

    private static int idOf(long key) {
        return (int) (0xFFFFFFFFL - (key & 0xFFFFFFFFL));
    }
}
