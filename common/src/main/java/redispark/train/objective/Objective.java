package redispark.train.objective;

/**
 * The training objectives redi-spark implements. Each is a small pure function in its own class; the trainer
 * picks one by this tag (a closed set, so every {@code switch} over it is exhaustive).
 */
public enum Objective {
    /** Stage 1: token-mean cross-entropy on the completion tokens of correct traces. */
    SFT("sft"),
    /** Stage 2 (paper): {@code −logπ(y⁺|x)/|y⁺| + α·logπ(y⁻|x)/|y⁻|}, mean over pairs; no reference model. */
    REDI("redi");

    private final String label;

    Objective(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** Whether the objective trains on (chosen, rejected) pairs rather than single completions. */
    public boolean paired() {
        return this == REDI;
    }

    public static Objective parse(String label) {
        for (Objective o : values()) {
            if (o.label.equals(label)) {
                return o;
            }
        }
        throw new IllegalArgumentException("unknown objective '" + label + "' (expected sft or redi)");
    }
}
