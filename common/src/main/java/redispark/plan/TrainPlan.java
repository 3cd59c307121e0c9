package redispark.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import redispark.dist.GradientBuckets;
import redispark.model.KernelPath;
import redispark.model.LayerKernel;
import redispark.model.ModelConfig;

/**
 * Peak memory, step time and gradient traffic of one data-parallel rank on the kernel path, from arithmetic alone.
 *
 * <p>Letters: N parameters, L layers, D width, F SwiGLU width, H query heads, K·E key/value width, V vocabulary, T
 * tokens per sequence, R rows per forward, n = R·T tokens per forward, C = min(chunk, n) tokens per LM-head call,
 * s bytes per compute element (4 fp32, 2 bf16).
 *
 * <p>Memory is counted in phases that do not overlap in time: the static set lives through the step; the kept
 * activations live from the forward until the backward frees them; on top of them either one layer is live (its
 * recompute and backward) or one LM-head chunk is; the optimizer's temporaries come after the backward, when only the
 * static set is left. So peak = static + max(kept + max(layer, head), optimizer).
 */
public record TrainPlan(
        PlanRequest request,
        long params,
        List<Term> terms,
        double peakBytes,
        double flops,
        double computeSeconds,
        double exchangeBytes,
        double exchangeSeconds) {

    /** When a term is resident; see the class comment for how the phases combine. */
    public enum Phase {
        STATIC("whole step"),
        KEPT("forward to backward"),
        LAYER("one layer live"),
        HEAD("one head chunk live"),
        OPTIMIZER("clip + AdamW");

        private final String description;

        Phase(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    /** One line of the memory breakdown: what, when, how many bytes, and the formula that gave them. */
    public record Term(String name, Phase phase, double bytes, String formula) {}

    /** AdamW.step keeps seven temporaries of a parameter's size alive until its scope closes (see that method). */
    static final int ADAMW_TEMPORARIES = 7;

    private static final double GIB = 1024.0 * 1024 * 1024;

    public static TrainPlan of(PlanRequest r) {
        ModelConfig m = r.model();
        double d = m.hiddenSize();
        double f = m.intermediateSize();
        double v = m.vocabSize();
        double h = m.numHeads();
        double kv = (double) m.numKvHeads() * m.headDim();
        int layers = m.numLayers();
        double t = r.seq();
        double rows = r.rows();
        double n = rows * t;
        double chunk = Math.min(r.logprobChunk(), n);
        boolean bf16 = r.dtype() == LayerKernel.ComputeType.BF16;
        boolean recompute = r.recompute() == KernelPath.Recompute.LAYER;
        boolean eager = r.attention() == Attention.EAGER;
        double s = bf16 ? 2 : 4;
        long layerParams = layerParams(m);
        long params = parameterCount(m);

        List<Term> terms = new ArrayList<>();
        // --- static: fp32 masters and what the optimizer keeps per parameter
        terms.add(new Term("weights (fp32 masters)", Phase.STATIC, 4.0 * params, "4·N"));
        terms.add(new Term("gradients (fp32)", Phase.STATIC, 4.0 * params, "4·N"));
        terms.add(new Term("AdamW m and v (fp32)", Phase.STATIC, 8.0 * params, "8·N"));
        if (r.gpus() > 1) {
            terms.add(new Term(
                    "exchange staging bucket",
                    Phase.STATIC,
                    GradientBuckets.bucketBytesFor(params),
                    "min(4·N, 32 MiB)"));
        }
        if (r.hostBaselineMib() > 0) {
            terms.add(new Term(
                    "host baseline (JVM + libtorch)",
                    Phase.STATIC,
                    r.hostBaselineMib() * 1024 * 1024,
                    "--host-baseline-mib"));
        }

        // --- kept from the forward to the backward
        double saved = savedPerLayer(n, d, f, h, kv, s, bf16);
        if (recompute) {
            terms.add(new Term("layer-boundary hidden states", Phase.KEPT, (layers + 1) * 4 * n * d, "(L+1)·4·n·D"));
        } else {
            terms.add(new Term("saved activations, every layer", Phase.KEPT, layers * saved, "L·A (A below)"));
            terms.add(new Term("top hidden state", Phase.KEPT, 4 * n * d, "4·n·D"));
            if (bf16) {
                terms.add(new Term(
                        "bf16 working copies of every layer's weights",
                        Phase.KEPT,
                        2.0 * layers * layerParams,
                        "2·L·N_layer"));
            }
        }
        double scores = 4 * rows * h * t * t; // one fp32 (R, H, T, T) matrix
        if (eager) {
            terms.add(new Term("causal mask (eager)", Phase.KEPT, 4 * rows * t * t, "4·R·T²"));
            if (!recompute) {
                terms.add(new Term(
                        "attention scores + probabilities, every layer",
                        Phase.KEPT,
                        layers * 2 * scores,
                        "L·2·4·R·H·T²"));
            }
        }

        // --- one layer live: its recomputed activations and its backward
        if (recompute) {
            terms.add(new Term(
                    "saved activations of the layer being recomputed (A)",
                    Phase.LAYER,
                    saved,
                    bf16 ? "n·(30·D + 8·F + 4·KE) + 4·n·H" : "n·(40·D + 16·F + 8·KE) + 4·n·H"));
            if (bf16) {
                terms.add(new Term("bf16 working copies of its weights", Phase.LAYER, 2.0 * layerParams, "2·N_layer"));
            }
            if (eager) {
                terms.add(new Term(
                        "attention scores + probabilities of that layer", Phase.LAYER, 2 * scores, "2·4·R·H·T²"));
            }
        }
        terms.add(new Term(
                "backward temporaries of one layer", Phase.LAYER, layerBackward(n, d, f, s), "3·s·n·F + 8·n·D"));
        if (eager) {
            terms.add(new Term("attention backward of one layer (eager)", Phase.LAYER, 3 * scores, "3·4·R·H·T²"));
        }

        // --- one LM-head chunk live (head_grad: logits, softmax and their gradient share one buffer)
        terms.add(new Term("logits chunk (fp32, in place)", Phase.HEAD, 4 * chunk * v, "4·C·V"));
        if (bf16) {
            terms.add(new Term("bf16 copy of the chunk's logit gradient", Phase.HEAD, 2 * chunk * v, "2·C·V"));
            terms.add(new Term(
                    "bf16 working copy of the head weight and its gradient", Phase.HEAD, 2 * 2 * v * d, "2·2·V·D"));
        }
        terms.add(new Term("head-weight gradient of the chunk (fp32)", Phase.HEAD, 4 * v * d, "4·V·D"));
        terms.add(new Term("head-weight gradient, summed over chunks", Phase.HEAD, 4 * v * d, "4·V·D"));
        terms.add(new Term("hidden-state gradient from the head", Phase.HEAD, 4 * n * d, "4·n·D"));

        // --- optimizer: after the backward, only the static set is left
        double largest = Math.max(v * d, f * d);
        terms.add(new Term(
                "AdamW temporaries of the largest tensor",
                Phase.OPTIMIZER,
                ADAMW_TEMPORARIES * 4 * largest,
                ADAMW_TEMPORARIES + "·4·max(V·D, F·D)"));

        double peak = sum(terms, Phase.STATIC)
                + Math.max(
                        sum(terms, Phase.KEPT) + Math.max(sum(terms, Phase.LAYER), sum(terms, Phase.HEAD)),
                        sum(terms, Phase.OPTIMIZER));

        // --- compute: 2 FLOPs per multiply-add; the backward costs twice the forward
        double sequences = r.batch();
        double tokens = sequences * t;
        double stackParams = (double) layers * layerMatmulParams(m);
        double matmulParams = stackParams + v * d; // the embedding is a lookup, the head a matmul
        double attention = (eager ? 4 : 2) * layers * d * t * t; // forward QKᵀ + PV per sequence; causal half if fused
        double flops = tokens * 6 * matmulParams + sequences * 3 * attention;
        if (recompute) {
            flops += tokens * 2 * stackParams + sequences * attention; // one more forward of the layer stack
        }
        double compute = flops / (r.tflops() * 1e12);
        // ring all-reduce of fp32 gradients: each rank sends (and receives) 2·(n−1)/n of the buffer
        double exchange = r.gpus() == 1 ? 0 : 2.0 * (r.gpus() - 1) / r.gpus() * 4 * params;
        return new TrainPlan(
                r, params, List.copyOf(terms), peak, flops, compute, exchange, exchange / (r.linkGBps() * 1e9));
    }

    /**
     * Bytes one kernel layer saves for its backward over n tokens (A): fp32 norm outputs and the mid residual
     * (12·n·D); in the compute type q, its rotation and rotated result, the expanded K and V, the attention output and
     * its contiguous copy (7·s·n·D), k and its rotation (2·s·n·KE), gate, up, silu(gate) and their product (4·s·n·F);
     * in bf16 also the two normed inputs cast for the matmuls (2·2·n·D); the attention's log-sum-exp (4·n·H).
     */
    static double savedPerLayer(double n, double d, double f, double h, double kv, double s, boolean bf16) {
        return 12 * n * d + 7 * s * n * d + 2 * s * n * kv + 4 * s * n * f + (bf16 ? 4 * n * d : 0) + 4 * n * h;
    }

    /** Gradients alive at once inside one layer's backward: three of the MLP's (n, F) and two fp32 (n, D). */
    static double layerBackward(double n, double d, double f, double s) {
        return 3 * s * n * f + 8 * n * d;
    }

    /** Trainable scalars: embedding, L layers, final norm, and a head of its own unless tied. */
    public static long parameterCount(ModelConfig m) {
        long vd = (long) m.vocabSize() * m.hiddenSize();
        return vd + (long) m.numLayers() * layerParams(m) + m.hiddenSize() + (m.tieWordEmbeddings() ? 0 : vd);
    }

    /** One layer: q/k/v with bias, o, gate/up/down, two norms. */
    static long layerParams(ModelConfig m) {
        long d = m.hiddenSize();
        long kv = (long) m.numKvHeads() * m.headDim();
        return layerMatmulParams(m) + d + 2 * kv + 2 * d;
    }

    /** The weights of one layer that multiply activations (biases and norms excluded). */
    static long layerMatmulParams(ModelConfig m) {
        long d = m.hiddenSize();
        long kv = (long) m.numKvHeads() * m.headDim();
        return 2 * d * d + 2 * d * kv + 3 * d * m.intermediateSize();
    }

    private static double sum(List<Term> terms, Phase phase) {
        return terms.stream()
                .filter(x -> x.phase() == phase)
                .mapToDouble(Term::bytes)
                .sum();
    }

    public double peakGib() {
        return peakBytes / GIB;
    }

    public double stepSeconds() {
        return computeSeconds + exchangeSeconds;
    }

    public boolean fits() {
        return peakGib() <= request.memGib();
    }

    /** {@code plan params=1.54e9 peak_gib=… step_s=… exchange_gb=… fits=true|false} */
    public String line() {
        return String.format(
                Locale.ROOT,
                "plan params=%s peak_gib=%.2f step_s=%.3f exchange_gb=%.2f fits=%s",
                scientific(params),
                peakGib(),
                stepSeconds(),
                exchangeBytes / 1e9,
                fits());
    }

    /** The breakdown: every memory term with its phase and formula, the phase sums, then the step time. */
    public String table() {
        PlanRequest r = request;
        StringBuilder b = new StringBuilder();
        b.append(String.format(
                Locale.ROOT,
                "per GPU: %d row(s) of %d tokens per forward, %d forward(s) per step, "
                        + "dtype %s, recompute %s, attention %s, chunk %d%n",
                r.rows(),
                r.seq(),
                r.microBatches(),
                r.dtype().label(),
                r.recompute().label(),
                r.attention().label(),
                r.logprobChunk()));
        b.append(String.format(Locale.ROOT, "%-56s %-20s %10s  %s%n", "memory term", "when", "GiB", "formula"));
        for (Phase p : Phase.values()) {
            for (Term x : terms) {
                if (x.phase() == p) {
                    b.append(String.format(
                            Locale.ROOT,
                            "%-56s %-20s %10.3f  %s%n",
                            x.name(),
                            p.description(),
                            x.bytes() / GIB,
                            x.formula()));
                }
            }
        }
        b.append(String.format(
                Locale.ROOT,
                "%-56s %-20s %10.3f  %s%n",
                "peak",
                "",
                peakGib(),
                "static + max(kept + max(layer, head), optimizer)"));
        b.append(String.format(
                Locale.ROOT,
                "%-56s %-20s %10.1f  %s%n",
                "memory of one GPU",
                "",
                r.memGib(),
                fits() ? "fits" : "does not fit"));
        b.append(String.format(
                Locale.ROOT,
                "compute: %.3g FLOP per step at %.0f TFLOP/s = %.3f s " + "(6·N_mm·tokens + %s attention%s)%n",
                flops,
                r.tflops(),
                computeSeconds,
                r.attention() == Attention.EAGER ? "12·L·D·T² full" : "6·L·D·T² causal",
                r.recompute() == KernelPath.Recompute.LAYER ? ", + one more forward of the layers" : ""));
        b.append(String.format(
                Locale.ROOT,
                "exchange: %.3f GB per GPU per step (2·(g−1)/g·4·N) at %.1f GB/s = %.3f s%n",
                exchangeBytes / 1e9,
                r.linkGBps(),
                exchangeSeconds));
        return b.toString();
    }

    /** 1543714304 → {@code 1.54e9}. */
    static String scientific(double x) {
        if (x == 0) {
            return "0";
        }
        int exp = (int) Math.floor(Math.log10(Math.abs(x)));
        double mantissa = x / Math.pow(10, exp);
        if (Math.round(mantissa * 100) >= 1000) { // 9.996 rounds up to the next power of ten
            mantissa /= 10;
            exp++;
        }
        return String.format(Locale.ROOT, "%.2fe%d", mantissa, exp);
    }
}
