package redispark.eval;

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
 * rendered with the model's own chat template — the same renderer training used.
 */
public final class Evaluator {
    private static final int BATCH = 32;

    private Evaluator() {}

    /** A problem to answer. */
    public record Item(String problemId, String problem, String gold) {}

    /** One sampled answer and its verdict. */
    public record Scored(
            String problemId, int sampleIdx, String text, String finishReason, int completionTokens, Verdict verdict) {}

    /**
     * @param seed base seed; sample index s of every batch uses {@code seed + s}, so reruns are identical
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
        List<Scored> out = new ArrayList<>(items.size() * samples);
        Qwen2Model model = loaded.model();
        TextTokenizer tokenizer = loaded.tokenizer();
        ChatTemplate template = loaded.template();
        Sampler sampler = new Sampler(model);
        long[] stops = stopTokens(tokenizer);
        int maxPositions = model.config().maxPositions();
        List<Item> fitting = new ArrayList<>();
        List<long[]> fittingPrompts = new ArrayList<>();
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
            fitting.add(item);
            fittingPrompts.add(prompt);
        }
        for (int from = 0; from < fitting.size(); from += BATCH) {
            int to = Math.min(fitting.size(), from + BATCH);
            List<Item> batch = fitting.subList(from, to);
            List<long[]> prompts = fittingPrompts.subList(from, to);
            int budget = maxNewTokens; // every prompt fits with it (checked above)
            for (int s = 0; s < samples; s++) {
                SamplingParams params = new SamplingParams(temperature, topP, budget, seed + 7919L * s + from);
                List<Generation> generations = sampler.generate(prompts, params, stops);
                for (int i = 0; i < batch.size(); i++) {
                    Generation g = generations.get(i);
                    String text = tokenizer.decode(g.tokens());
                    Item item = batch.get(i);
                    out.add(new Scored(
                            item.problemId(),
                            s,
                            text,
                            g.finishReason(),
                            g.tokens().length,
                            MathVerifier.verify(text, item.gold())));
                }
            }
        }
        return out;
    }

    private static long[] stopTokens(TextTokenizer tokenizer) {
        long imEnd = tokenizer.tokenId("<|im_end|>");
        return imEnd >= 0 && imEnd != tokenizer.eosId()
                ? new long[] {tokenizer.eosId(), imEnd}
                : new long[] {tokenizer.eosId()};
    }
}
