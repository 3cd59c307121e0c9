package redispark.train;

import java.io.Serializable;

/**
 * The frozen reference model's summed completion log-probs of one pair, {@code Σ_t log π_ref(y_t | x, y_<t)} over
 * the same completion tokens the policy is trained on (template tail and end-of-turn included).
 */
public record RefLogProbs(double chosen, double rejected) implements Serializable {
    public RefLogProbs {
        if (!Double.isFinite(chosen) || !Double.isFinite(rejected) || chosen > 0 || rejected > 0) {
            throw new IllegalArgumentException(
                    "reference log-probs must be finite and <= 0, got " + chosen + ", " + rejected);
        }
    }
}
