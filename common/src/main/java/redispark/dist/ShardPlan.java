package redispark.dist;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The data schedule of a data-parallel run, fixed by the driver before training so that every rank runs the same
 * number of steps: epoch e shuffles the items (in a canonical order, e.g. sorted by id) with
 * {@code Random(seed·1000003 + e)}, cuts them into {@code stepsPerEpoch} near-equal global batches, and deals each
 * batch to the ranks in near-equal consecutive slices. It is the order {@code redispark.train.TrainData#epoch}
 * gives one worker, so a run with N ranks sees exactly the global batches of a run with one.
 */
public final class ShardPlan {
    /** Where an item goes in one epoch: step of the epoch, rank, and its position in that rank's slice. */
    public record Slot(int epoch, int step, int rank, int position) implements Serializable {}

    /** Salt of the second kind of items (negatives of unpaired REDI), shuffled apart from the first. */
    public static final long SECOND_KIND = 0x9E3779B97F4A7C15L;

    private ShardPlan() {}

    /** Global batches per epoch for {@code items} at {@code batchSize} items per step (the last may be short). */
    public static int stepsPerEpoch(long items, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        return (int) ((items + batchSize - 1) / batchSize);
    }

    /**
     * The slots of items {@code 0..items-1} in every epoch: element i lists item i's slot in epoch 0, 1, ...
     *
     * @param salt 0, or {@link #SECOND_KIND} for the negatives of unpaired data (spread over the same steps)
     */
    public static List<List<Slot>> assign(int items, int stepsPerEpoch, int epochs, int world, long seed, long salt) {
        if (world < 1 || epochs < 0 || stepsPerEpoch < 0) {
            throw new IllegalArgumentException("world " + world + ", epochs " + epochs + ", steps " + stepsPerEpoch);
        }
        List<List<Slot>> slots = new ArrayList<>(items);
        for (int i = 0; i < items; i++) {
            slots.add(new ArrayList<>(epochs));
        }
        if (stepsPerEpoch == 0) {
            return slots;
        }
        for (int e = 0; e < epochs; e++) {
            List<Integer> order = new ArrayList<>(items);
            for (int i = 0; i < items; i++) {
                order.add(i);
            }
            Collections.shuffle(order, new Random((seed * 1_000_003L + e) ^ salt));
            for (int k = 0; k < stepsPerEpoch; k++) {
                int lo = (int) ((long) k * items / stepsPerEpoch);
                int hi = (int) ((long) (k + 1) * items / stepsPerEpoch);
                int m = hi - lo;
                for (int r = 0; r < world; r++) {
                    int from = lo + (int) ((long) r * m / world);
                    int to = lo + (int) ((long) (r + 1) * m / world);
                    for (int j = from; j < to; j++) {
                        slots.get(order.get(j)).add(new Slot(e, k, r, j - from));
                    }
                }
            }
        }
        return slots;
    }
}
