package redispark.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Training items refused before training, counted by reason, with the first few ids of each reason kept. */
public final class Rejects implements Serializable {
    /** The completion is empty (or only whitespace): nothing of the teacher's to learn from. */
    public static final String EMPTY_COMPLETION = "empty_completion";
    /** Prompt + completion is over {@code train.max-seq-len} tokens (never truncated). */
    public static final String TOO_LONG = "too_long";
    /** A pair whose chosen and rejected completions are the same: its REDI/DPO gradient is meaningless. */
    public static final String IDENTICAL_PAIR = "identical_pair";
    /** The chat template refused the completion (it holds the end-of-turn marker or the EOS token). */
    public static final String INVALID_COMPLETION = "invalid_completion";
    /** DPO needs the reference log-probs of every pair. */
    public static final String MISSING_REFERENCE = "missing_reference";

    private static final int IDS_KEPT = 20;

    private final LinkedHashMap<String, Long> counts = new LinkedHashMap<>();
    private final LinkedHashMap<String, List<String>> ids = new LinkedHashMap<>();

    public void add(String reason, String id) {
        counts.merge(reason, 1L, Long::sum);
        List<String> kept = ids.computeIfAbsent(reason, r -> new ArrayList<>());
        if (kept.size() < IDS_KEPT) {
            kept.add(id);
        }
    }

    public void addAll(Rejects other) {
        other.ids.forEach((reason, list) -> list.forEach(id -> {
            List<String> kept = ids.computeIfAbsent(reason, r -> new ArrayList<>());
            if (kept.size() < IDS_KEPT) {
                kept.add(id);
            }
        }));
        other.counts.forEach((reason, n) -> counts.merge(reason, n, Long::sum));
    }

    public Map<String, Long> counts() {
        return new LinkedHashMap<>(counts);
    }

    /** The first ids refused for each reason. */
    public Map<String, List<String>> examples() {
        return new LinkedHashMap<>(ids);
    }

    public long total() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    @Override
    public String toString() {
        return counts.toString();
    }
}
