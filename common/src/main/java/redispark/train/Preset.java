package redispark.train;

import redispark.train.objective.Objective;

/**
 * Named starting points for every objective's {@link Recipe}; config keys override single values.
 *
 * <p>{@link #PAPER} is Xu et al. 2025 (arXiv 2505.24850) as published: SFT App. C.3 (LR 5e-5, batch 128, 5 epochs
 * for the final model, 8 per device), REDI App. C.4 and the {@code redi_1_08_1e-6} recipe (LR 1e-6, 32 pairs,
 * 1 epoch, α 0.8, 1 pair per device), DPO best run (β 0.001, LR 2e-7), SimPO best run (β 2, γ 1, LR 5e-7); all with
 * AdamW wd 1e-4, 10 % warm-up then linear decay, clip 1.0 (the HF default; the paper does not state it), seed 42.
 * Unpaired REDI is not in the paper: it takes REDI's recipe with 64 sequences per step (32 pairs' worth).
 *
 * <p>{@link #TINY} is sized for the embedded ~1 M-parameter student on the synthetic problems (minutes on a laptop
 * CPU): small batches, β large enough that DPO moves at all. SFT uses batches of 8 so that its epochs over a few
 * thousand problems come to the ~1,500 optimizer steps a character model needs before it starts to compute rather
 * than copy the trace format. The stage-2 rates (6e-6, one epoch) are the highest of a measured sweep at which REDI
 * ends at SFT's held-out accuracy on the embedded default; ×3 already costs it 5 points and ×10 half of it.
 */
public enum Preset {
    TINY("tiny"),
    PAPER("paper");

    private final String label;

    Preset(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public Recipe recipe(Objective objective) {
        return switch (this) {
            case TINY ->
                switch (objective) {
                    case SFT -> new Recipe(3e-3, 4, 8, 8, 0.1, 1e-4, 1.0, 0, 0, 0, 3);
                    case REDI -> new Recipe(6e-6, 1, 8, 8, 0.1, 1e-4, 1.0, 0.8, 0, 0, 5);
                    case REDI_UNPAIRED -> new Recipe(6e-6, 1, 16, 16, 0.1, 1e-4, 1.0, 0.8, 0, 0, 5);
                    case DPO -> new Recipe(6e-6, 1, 8, 8, 0.1, 1e-4, 1.0, 0, 0.1, 0, 5);
                    case SIMPO -> new Recipe(6e-6, 1, 8, 8, 0.1, 1e-4, 1.0, 0, 2.0, 1.0, 5);
                };
            case PAPER ->
                switch (objective) {
                    case SFT -> new Recipe(5e-5, 5, 128, 8, 0.1, 1e-4, 1.0, 0, 0, 0, 42);
                    case REDI -> new Recipe(1e-6, 1, 32, 1, 0.1, 1e-4, 1.0, 0.8, 0, 0, 42);
                    case REDI_UNPAIRED -> new Recipe(1e-6, 1, 64, 2, 0.1, 1e-4, 1.0, 0.8, 0, 0, 42);
                    case DPO -> new Recipe(2e-7, 1, 32, 1, 0.1, 1e-4, 1.0, 0, 0.001, 0, 42);
                    case SIMPO -> new Recipe(5e-7, 1, 32, 1, 0.1, 1e-4, 1.0, 0, 2.0, 1.0, 42);
                };
        };
    }

    public static Preset parse(String label) {
        for (Preset p : values()) {
            if (p.label.equals(label)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown preset '" + label + "' (expected tiny or paper)");
    }
}
