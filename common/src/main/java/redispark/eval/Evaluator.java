package redispark.eval;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import redispark.model.Generation;
import redispark.model.Qwen2Model;
import redispark.model.Sampler;
import redispark.model.SamplingParams;
import redispark.text.ChatTemplate;
import redispark.text.TextTokenizer;
import redispark.verify.MathVerifier;
import redispark.verify.Verdict;

/**
 * Samples answers from a model folder for a list of problems and scores each with the verifier. Prompts are
 * rendered with the model's own chat template — the same renderer training used. Every problem × sample goes to the
 * sampler's continuous batch at once.
 */
public final class Evaluator {
    private Evaluator() {}

    /** A problem to answer. */
    public record Item(String problemId, String problem, String gold) {}

    /** One sampled answer and its verdict. */
    public record Scored(
            String problemId, int sampleIdx, String text, String finishReason, int completionTokens, Verdict verdict) {}

    /**
     * @param seed base seed; sample s of a problem draws from {@code Sampler.seed(seed, hash of its id, s)}, so a rerun
     *     is identical however the problems are batched or partitioned
     */
    public static List<Scored> run(
            Path modelDir,
            List<Item> items,
            int samples,
            double temperature,
            double topP,
            int maxNewTokens,
            long seed) {
        try (ModelCache.Loaded loaded = ModelCache.Loaded.load(modelDir)) {
            return run(loaded, items, samples, temperature, topP, maxNewTokens, seed);
        }
    }

    /** {@link #run(Path, List, int, double, double, int, long)} with a model already loaded (e.g. from the cache). */
    public static List<Scored> run(
            ModelCache.Loaded loaded,
            List<Item> items,
            int samples,
            double temperature,
            double topP,
            int maxNewTokens,
            long seed) {
        Qwen2Model model = loaded.model();
        TextTokenizer tokenizer = loaded.tokenizer();
        ChatTemplate template = loaded.template();
        Sampler sampler = new Sampler(model);
        long[] stops = stopTokens(tokenizer);
        int maxPositions = model.config().maxPositions();
        List<Sampler.Request> requests = new ArrayList<>(items.size() * samples);
        for (Item item : items) {
            long[] prompt = tokenizer.encode(template.prompt(item.problem()));
            if (prompt.length + (long) maxNewTokens > maxPositions) {
                // an answer cut at the context's end would be scored as the model's own: refuse instead
                throw model.config()
                        .beyondMaxPositions(
                                "problem " + item.problemId() + ": its prompt of " + prompt.length + " tokens + "
                                        + maxNewTokens + " new tokens (eval.max-new-tokens)",
                                prompt.length + (long) maxNewTokens - 1);
            }
            long problem = problemKey(item.problemId());
            for (int s = 0; s < samples; s++) {
                requests.add(new Sampler.Request(prompt, Sampler.seed(seed, problem, s)));
            }
        }
        // every problem x sample in one continuous batch: a finished row takes the next pending sample at once
        List<Generation> generations =
                sampler.generateAll(requests, new SamplingParams(temperature, topP, maxNewTokens, seed), stops);
        List<Scored> out = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            Item item = items.get(i / samples);
            Generation g = generations.get(i);
            String text = tokenizer.decode(g.tokens());
            out.add(new Scored(
                    item.problemId(),
                    i % samples,
                    text,
                    g.finishReason(),
                    g.tokens().length,
                    MathVerifier.verify(text, item.gold())));
        }
        return out;
    }

    /** A 64-bit FNV-1a hash of the problem id: its samples' seeds do not depend on how problems are partitioned. */
    static long problemKey(String problemId) {
        long h = 0xcbf29ce484222325L;
        for (byte x : problemId.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (x & 0xff)) * 0x100000001b3L;
        }
        return h;
    }

    private static long[] stopTokens(TextTokenizer tokenizer) {
        long imEnd = tokenizer.tokenId("<|im_end|>");
        return imEnd >= 0 && imEnd != tokenizer.eosId()
                ? new long[] {tokenizer.eosId(), imEnd}
                : new long[] {tokenizer.eosId()};
    }
}
