package redispark.plan;

import redispark.model.Labels;

/** How attention is computed, as far as memory and FLOPs are concerned. */
public enum Attention {
    /** A fused kernel (flash / memory-efficient, or libtorch's flash-style CPU kernel): O(T) memory, causal half. */
    SDPA,
    /** Scores and probabilities materialised: B·H·T² per matrix, every masked entry computed too. */
    EAGER;

    public String label() {
        return Labels.of(this);
    }

    public static Attention parse(String s) {
        return Labels.parse(Attention.class, s, "attention");
    }
}
