package redispark.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import redispark.model.LogProbs;
import redispark.model.Qwen2Model;
import redispark.train.objective.SequenceLogProbs;

/**
 * Packs examples into right-padded tensors and turns a model forward into per-sequence completion log-probs.
 *
 * <p>Layout for rows {@code [p p c c c]} and {@code [p c c . .]} (p prompt, c completion, . pad): {@code inputIds}
 * (R,T), {@code attention} (R,T) 1 on tokens; {@code labels} (R,T−1) = inputIds shifted left; {@code completionMask}
 * (R,T−1) is 1 where the label is a completion token: {@code [0 1 1 1]} and {@code [1 1 0 0]}. Pairs go through one
 * forward as {@code [chosen…; rejected…]}, as TRL's preference collator does.
 */
public final class Batches {
    private Batches() {}

    /** Packed tensors of one batch. */
    public record Packed(NDArray inputIds, NDArray attention, NDArray labels, NDArray completionMask, int tokens) {}

    public static Packed pack(NDManager manager, List<TokenizedExample> rows, long padId) {
        int r = rows.size();
        int t = rows.stream().mapToInt(e -> e.tokens().length).max().orElseThrow();
        long[] ids = new long[r * t];
        float[] attention = new float[r * t];
        long[] labels = new long[r * (t - 1)];
        float[] mask = new float[r * (t - 1)];
        int tokens = 0;
        for (int i = 0; i < r; i++) {
            TokenizedExample e = rows.get(i);
            long[] seq = e.tokens();
            for (int j = 0; j < t; j++) {
                boolean real = j < seq.length;
                ids[i * t + j] = real ? seq[j] : padId;
                attention[i * t + j] = real ? 1f : 0f;
                if (j > 0) {
                    labels[i * (t - 1) + j - 1] = real ? seq[j] : padId;
                    mask[i * (t - 1) + j - 1] = real && j >= e.promptLength() ? 1f : 0f;
                }
            }
            tokens += seq.length;
        }
        return new Packed(
                manager.create(ids, new Shape(r, t)),
                manager.create(attention, new Shape(r, t)).toType(DataType.INT64, false),
                manager.create(labels, new Shape(r, t - 1)),
                manager.create(mask, new Shape(r, t - 1)),
                tokens);
    }

    /**
     * Splits rows into forward groups of at most {@code maxTokens} = rows × longest row (a longer row goes alone):
     * longest first, each group filled greedily, so padding stays small. Returns row indices per group.
     */
    public static List<int[]> byTokenBudget(List<TokenizedExample> rows, int maxTokens) {
        Integer[] order = new Integer[rows.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(
                order,
                (a, b) -> rows.get(b).tokens().length != rows.get(a).tokens().length
                        ? Integer.compare(
                                rows.get(b).tokens().length, rows.get(a).tokens().length)
                        : Integer.compare(a, b));
        List<int[]> groups = new java.util.ArrayList<>();
        int start = 0;
        while (start < order.length) {
            int longest = rows.get(order[start]).tokens().length;
            int end = start + 1;
            while (end < order.length && (long) (end - start + 1) * longest <= maxTokens) {
                end++;
            }
            int[] group = new int[end - start];
            for (int i = start; i < end; i++) {
                group[i - start] = order[i];
            }
            groups.add(group);
            start = end;
        }
        return groups;
    }

    /** Forward pass, then log π of every completion label summed per row (differentiable) and counted. */
    public static SequenceLogProbs completionLogProbs(Qwen2Model model, Packed batch) {
        NDArray logits = model.forward(batch.inputIds(), batch.attention()); // (R, T, V)
        NDArray next = logits.get(":, :-1, :"); // (R, T-1, V): position t predicts token t+1
        NDArray logp = LogProbs.gather(next, batch.labels()); // (R, T-1)
        NDArray sums = logp.mul(batch.completionMask()).sum(new int[] {1}); // (R)
        NDArray counts = batch.completionMask().sum(new int[] {1}); // (R)
        return new SequenceLogProbs(sums, counts);
    }
}
