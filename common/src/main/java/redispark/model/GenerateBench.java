package redispark.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Throughput of the in-process {@link Sampler} at evaluation settings (temperature 0.6, top-p 0.95, no stop token, so
 * every row runs to the end) on random prompts, for a model shape given as a Hugging Face {@code config.json} with
 * seeded weights.
 */
public final class GenerateBench {

    /** The paper's evaluation sampling. */
    private static final double TEMPERATURE = 0.6;

    private static final double TOP_P = 0.95;

    /** New tokens of the untimed warm-up run. */
    private static final int WARMUP_TOKENS = 8;

    private GenerateBench() {}

    /**
     * One untimed warm-up run, then one timed run of {@code batch} prompts of {@code promptTokens} random ids.
     *
     * @param threads libtorch intra-op threads for this process
     * @param path how the sampler runs the decoder; {@code batch} rows decode together
     * @return {@code "generate batch=B prompt_tokens=P new_tokens=N tokens_per_s=X prefill_tokens_per_s=Y
     *     ops_per_token=Z"}: decode tokens per second over the batch (prefill excluded), prompt tokens per second of
     *     the prefill, and engine calls per decoded token
     */
    public static String run(
            java.nio.file.Path configJson, int batch, int promptTokens, int newTokens, int threads, Sampler.Path path) {
        if (batch < 1 || promptTokens < 1 || newTokens < 2 || threads < 1) {
            throw new IllegalArgumentException("need batch>=1, prompt-tokens>=1, new-tokens>=2, threads>=1");
        }
        ModelConfig cfg = ModelConfig.read(configJson);
        Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(threads);
        SplittableRandom rng = new SplittableRandom(7);
        List<long[]> prompts = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            long[] ids = new long[promptTokens];
            for (int j = 0; j < promptTokens; j++) {
                ids[j] = rng.nextInt(cfg.vocabSize());
            }
            prompts.add(ids);
        }
        Sampler.Stats stats = new Sampler.Stats();
        try (NDManager root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                Qwen2Model model = Qwen2Model.create(cfg, 1234L, root)) {
            Sampler sampler = new Sampler(model, path, batch);
            long[] noStop = {};
            sampler.generate(prompts, new SamplingParams(TEMPERATURE, TOP_P, WARMUP_TOKENS, 1), noStop);
            sampler.generate(prompts, new SamplingParams(TEMPERATURE, TOP_P, newTokens, 2), noStop, stats);
        }
        return String.format(
                Locale.ROOT,
                "generate batch=%d prompt_tokens=%d new_tokens=%d tokens_per_s=%.1f prefill_tokens_per_s=%.1f"
                        + " ops_per_token=%.2f",
                batch,
                promptTokens,
                newTokens,
                stats.decodedTokens / (stats.decodeNanos / 1e9),
                stats.prefillTokens / (stats.prefillNanos / 1e9),
                (double) stats.decodeOps / stats.decodedTokens);
    }
}
