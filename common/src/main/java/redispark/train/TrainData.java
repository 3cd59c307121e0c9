package redispark.train;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import redispark.train.objective.Objective;

/**
 * What a run trains on, and equally what one optimizer step or one micro-batch holds: a list of examples, a list of
 * pairs, or positives and negatives apart. The data order is a pure function of (seed, epoch), so a resumed run can
 * rebuild any epoch and skip to its cursor.
 */
public sealed interface TrainData permits TrainData.Examples, TrainData.Pairs, TrainData.Unpaired {

    /** Single completions (SFT). */
    record Examples(List<TokenizedExample> rows) implements TrainData {
        public Examples {
            rows = List.copyOf(rows);
        }
    }

    /** Chosen/rejected pairs of the same prompt (REDI, DPO, SimPO). */
    record Pairs(List<TokenizedPair> rows) implements TrainData {
        public Pairs {
            rows = List.copyOf(rows);
        }
    }

    /** All correct and all incorrect completions, unpaired (unpaired REDI). */
    record Unpaired(List<TokenizedExample> positives, List<TokenizedExample> negatives) implements TrainData {
        public Unpaired {
            positives = List.copyOf(positives);
            negatives = List.copyOf(negatives);
        }
    }

    /** Training items: examples, pairs, or positives plus negatives. */
    default int size() {
        if (this instanceof Examples e) {
            return e.rows().size();
        } else if (this instanceof Pairs p) {
            return p.rows().size();
        }
        Unpaired u = (Unpaired) this;
        return u.positives().size() + u.negatives().size();
    }

    default Objective.Data kind() {
        if (this instanceof Examples) {
            return Objective.Data.EXAMPLES;
        }
        return this instanceof Pairs ? Objective.Data.PAIRS : Objective.Data.UNPAIRED;
    }

    /** Every sequence, in order (pairs: every chosen, then every rejected, as TRL's concatenated forward). */
    default List<TokenizedExample> sequences() {
        if (this instanceof Examples e) {
            return e.rows();
        } else if (this instanceof Pairs p) {
            List<TokenizedExample> out = new ArrayList<>(p.rows().size() * 2);
            p.rows().forEach(x -> out.add(x.chosen()));
            p.rows().forEach(x -> out.add(x.rejected()));
            return out;
        }
        Unpaired u = (Unpaired) this;
        List<TokenizedExample> out = new ArrayList<>(u.positives());
        out.addAll(u.negatives());
        return out;
    }

    /** Tokens of every sequence (prompt and completion, no padding). */
    default long tokens() {
        long n = 0;
        for (TokenizedExample e : sequences()) {
            n += e.tokens().length;
        }
        return n;
    }

    /** Optimizer steps of one epoch at {@code batchSize} items per step. */
    default int stepsPerEpoch(int batchSize) {
        return (size() + batchSize - 1) / batchSize;
    }

    /**
     * The step batches of one epoch, in training order: the items shuffled with {@code Random(seed·1000003 + epoch)}
     * and cut into {@link #stepsPerEpoch} batches. Unpaired data shuffles positives and negatives apart and gives
     * every step its proportional share of each, so each step sees both kinds.
     */
    default List<TrainData> epoch(long seed, int epoch, int batchSize) {
        int steps = stepsPerEpoch(batchSize);
        long s = seed * 1_000_003L + epoch;
        if (this instanceof Examples e) {
            return slices(shuffled(e.rows(), s), steps).stream()
                    .map(r -> (TrainData) new Examples(r))
                    .toList();
        } else if (this instanceof Pairs p) {
            return slices(shuffled(p.rows(), s), steps).stream()
                    .map(r -> (TrainData) new Pairs(r))
                    .toList();
        }
        Unpaired u = (Unpaired) this;
        return stratified(shuffled(u.positives(), s), shuffled(u.negatives(), s ^ 0x9E3779B97F4A7C15L), steps);
    }

    /** Consecutive micro-batches of at most {@code microSize} items (proportional shares for unpaired data). */
    default List<TrainData> micro(int microSize) {
        int n = stepsPerEpoch(microSize);
        if (this instanceof Examples e) {
            return slices(e.rows(), n).stream()
                    .map(r -> (TrainData) new Examples(r))
                    .toList();
        } else if (this instanceof Pairs p) {
            return slices(p.rows(), n).stream()
                    .map(r -> (TrainData) new Pairs(r))
                    .toList();
        }
        Unpaired u = (Unpaired) this;
        return stratified(u.positives(), u.negatives(), n);
    }

    /** A short hash of the ids and tokens, in order: resuming on other data is an error. */
    default String fingerprint() {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(kind().name().getBytes(StandardCharsets.UTF_8));
            for (TokenizedExample e : sequences()) {
                d.update(e.id().getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
                for (long t : e.tokens()) {
                    d.update(new byte[] {(byte) t, (byte) (t >> 8), (byte) (t >> 16), (byte) (t >> 24)});
                }
                d.update(Integer.toString(e.promptLength()).getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(d.digest(), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> List<T> shuffled(List<T> rows, long seed) {
        List<T> order = new ArrayList<>(rows);
        Collections.shuffle(order, new Random(seed));
        return order;
    }

    /** {@code n} consecutive slices of near-equal size ({@code ⌊k·size/n⌋} boundaries), none empty when n ≤ size. */
    private static <T> List<List<T>> slices(List<T> rows, int n) {
        List<List<T>> out = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            out.add(rows.subList((int) ((long) k * rows.size() / n), (int) ((long) (k + 1) * rows.size() / n)));
        }
        return out;
    }

    private static List<TrainData> stratified(List<TokenizedExample> pos, List<TokenizedExample> neg, int n) {
        List<List<TokenizedExample>> p = slices(pos, n);
        List<List<TokenizedExample>> q = slices(neg, n);
        List<TrainData> out = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            out.add(new Unpaired(p.get(k), q.get(k)));
        }
        return out;
    }
}
