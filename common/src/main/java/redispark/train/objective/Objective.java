package redispark.train.objective;

/**
 * The training objectives redi-spark implements: a closed set, so every {@code switch} over it is exhaustive and no
 * behaviour hangs off a string. Each objective is a small pure function in its own class; this enum only says what
 * data it trains on and what it needs.
 */
public enum Objective {
    /** Stage 1: token-mean cross-entropy on the completion tokens of correct traces ({@link Sft}). */
    SFT("sft", Data.EXAMPLES),
    /** Stage 2 (paper): {@code −logπ(y⁺|x)/|y⁺| + α·logπ(y⁻|x)/|y⁻|}, mean over pairs; no reference ({@link Redi}). */
    REDI("redi", Data.PAIRS),
    /** REDI's two terms averaged over all positives and all negatives separately ({@link RediUnpaired}). */
    REDI_UNPAIRED("redi-unpaired", Data.UNPAIRED),
    /** DPO with summed log-probs against a frozen reference (the SFT model) ({@link Dpo}). */
    DPO("dpo", Data.PAIRS),
    /** SimPO: reference-free, length-normalised, with a target margin γ ({@link SimPo}). */
    SIMPO("simpo", Data.PAIRS);

    /** What one training item is. */
    public enum Data {
        /** Single completions (correct traces). */
        EXAMPLES,
        /** (chosen, rejected) completions of the same prompt, forwarded together. */
        PAIRS,
        /** Correct and incorrect completions as two independent lists. */
        UNPAIRED
    }

    private final String label;
    private final Data data;

    Objective(String label, Data data) {
        this.label = label;
        this.data = data;
    }

    /** The CLI / config name: {@code sft}, {@code redi}, {@code redi-unpaired}, {@code dpo}, {@code simpo}. */
    public String label() {
        return label;
    }

    public Data data() {
        return data;
    }

    /** Whether the objective trains on (chosen, rejected) pairs rather than single completions. */
    public boolean paired() {
        return data == Data.PAIRS;
    }

    /** Whether it needs the reference model's log-probs of every pair (precomputed once, see RefLogProbs). */
    public boolean needsReference() {
        return this == DPO;
    }

    /** Whether the data has incorrect traces, so chosen and rejected metrics (and the collapse alarm) apply. */
    public boolean hasNegatives() {
        return data != Data.EXAMPLES;
    }

    /**
     * Whether the loss is a fixed linear combination of the per-sequence log-prob sums (SFT, REDI, unpaired REDI),
     * so its derivative with respect to each sum is known before the forward; DPO and SimPO go through a sigmoid.
     */
    public boolean linearInLogProbs() {
        return this == SFT || this == REDI || this == REDI_UNPAIRED;
    }

    public static Objective parse(String label) {
        StringBuilder known = new StringBuilder();
        for (Objective o : values()) {
            if (o.label.equals(label)) {
                return o;
            }
            known.append(known.isEmpty() ? "" : ", ").append(o.label);
        }
        throw new IllegalArgumentException("unknown objective '" + label + "' (expected one of " + known + ")");
    }
}
