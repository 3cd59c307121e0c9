package redispark.dist;

import java.nio.FloatBuffer;

/**
 * The collective operations data-parallel training needs: every rank calls the same operation with the same sizes
 * in the same order, and each gets the element-wise sum over all ranks.
 *
 * <p>Contract for every implementation: calls are collective (all ranks make the same sequence of calls with the
 * same sizes), one thread at a time per rank; {@link #close()} may be called from any thread and is idempotent. A
 * failure (dead peer, timeout, interruption, mismatched call) throws the unchecked {@link CollectiveException}.
 * The default methods are correct, if not the fastest, for any implementation of the two {@code allReduceSum}
 * primitives.
 */
public interface Collective extends AutoCloseable {

    int rank();

    int worldSize();

    /** In-place element-wise sum over all ranks. */
    void allReduceSum(float[] values);

    /** Sum of one scalar over all ranks (token counts, losses, stop votes). */
    double allReduceSum(double value);

    /**
     * In-place element-wise sum over all ranks of the floats between {@code values.position()} and
     * {@code values.limit()}; position and limit are left unchanged. Direct buffers in native (little-endian) order
     * take the fastest path in {@link RingCollective}.
     */
    default void allReduceSum(FloatBuffer values) {
        float[] copy = new float[values.remaining()];
        values.get(values.position(), copy);
        allReduceSum(copy);
        values.put(values.position(), copy);
    }

    /** In-place sum over all ranks of several scalars in one round (e.g. loss, token count and a stop vote). */
    default void allReduceSum(double[] values) {
        for (int i = 0; i < values.length; i++) {
            values[i] = allReduceSum(values[i]);
        }
    }

    /**
     * Every rank contributes bytes (sizes may differ between ranks); every rank gets all contributions indexed by
     * rank. For small metadata (hashes, flags), not tensors.
     */
    default byte[][] allGather(byte[] mine) {
        if (worldSize() == 1) {
            return new byte[][] {mine.clone()};
        }
        throw new UnsupportedOperationException(getClass().getName() + " does not implement allGather");
    }

    /** Returns once every rank has called {@code barrier()}. */
    default void barrier() {
        allReduceSum(0.0);
    }

    /**
     * Copies the floats between position and limit on rank {@code root} into the same range on every other rank
     * (for example rank 0's initial weights). The default adds {@code -0.0f} (the exact additive identity, which
     * keeps the sign of zeros and every other bit) from the other ranks.
     */
    default void broadcast(FloatBuffer values, int root) {
        if (root < 0 || root >= worldSize()) {
            throw new IllegalArgumentException("root " + root + " is not a rank of a world of " + worldSize());
        }
        if (rank() != root) {
            for (int i = values.position(); i < values.limit(); i++) {
                values.put(i, -0.0f);
            }
        }
        allReduceSum(values);
    }

    @Override
    void close();

    /** The one-process collective: rank 0 of a world of 1, every reduction is the identity. */
    static Collective single() {
        return new Collective() {
            @Override
            public int rank() {
                return 0;
            }

            @Override
            public int worldSize() {
                return 1;
            }

            @Override
            public void allReduceSum(float[] values) {}

            @Override
            public double allReduceSum(double value) {
                return value;
            }

            @Override
            public void allReduceSum(FloatBuffer values) {}

            @Override
            public void allReduceSum(double[] values) {}

            @Override
            public void barrier() {}

            @Override
            public void broadcast(FloatBuffer values, int root) {
                if (root != 0) {
                    throw new IllegalArgumentException("root " + root + " is not a rank of a world of 1");
                }
            }

            @Override
            public void close() {}
        };
    }
}
