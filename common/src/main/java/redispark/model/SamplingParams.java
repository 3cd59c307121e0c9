package redispark.model;

/**
 * How {@link Sampler} picks tokens.
 *
 * @param temperature 0 = greedy (argmax, lowest id on ties); otherwise logits are divided by it before softmax
 * @param topP nucleus mass in (0, 1]: sample among the most likely tokens whose probabilities first reach it
 * @param maxNewTokens generated tokens per prompt, at most (stop token not counted)
 * @param seed prompt i of {@link Sampler#generate} draws from {@code Sampler.seed(seed, i, 0)}, so a run is
 *     reproducible; {@link Sampler#generateAll} takes a seed per request instead
 */
public record SamplingParams(double temperature, double topP, int maxNewTokens, long seed) {
    public SamplingParams {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("maxNewTokens must be >= 0, got " + maxNewTokens);
        }
    }

    /** Greedy decoding. */
    public static SamplingParams greedy(int maxNewTokens) {
        return new SamplingParams(0, 1, maxNewTokens, 0);
    }
}
