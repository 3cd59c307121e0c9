package redispark.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;
import redispark.model.Qwen2Model;
import redispark.train.objective.SequenceLogProbs;

/**
 * The reference model's summed completion log-probs of pairs, for DPO: computed once (by a Spark job over the pairs
 * table, with the SFT model) and stored, never recomputed inside a training run. Uses the same packing and the same
 * completion mask as training, so at the first DPO step the policy's log-probs equal these up to float rounding.
 */
public final class ReferenceLogProbs {
    private ReferenceLogProbs() {}

    /** No-grad forward of {@code batchSize} pairs at a time (chosen and rejected together, as in training). */
    public static List<RefLogProbs> compute(Qwen2Model model, List<TokenizedPair> pairs, int batchSize, long padId) {
        List<RefLogProbs> out = new ArrayList<>(pairs.size());
        JniUtils.setGradMode(false); // grad mode is per thread and on by default in a fresh (executor) thread
        for (int from = 0; from < pairs.size(); from += batchSize) {
            TrainData.Pairs batch = new TrainData.Pairs(pairs.subList(from, Math.min(pairs.size(), from + batchSize)));
            int n = batch.rows().size();
            try (NDManager m = model.manager().newSubManager();
                    NDScope scope = new NDScope()) {
                SequenceLogProbs all = Batches.completionLogProbs(model, Batches.pack(m, batch.sequences(), padId));
                float[] sums = all.sums().toFloatArray();
                for (int i = 0; i < n; i++) {
                    out.add(new RefLogProbs(sums[i], sums[n + i]));
                }
            }
        }
        return out;
    }
}
