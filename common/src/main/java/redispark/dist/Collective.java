package redispark.dist;

/**
 * The collective operations data-parallel training needs: every rank calls the same operation with the same sizes
 * in the same order, and each gets the element-wise sum over all ranks.
 */
public interface Collective extends AutoCloseable {

    int rank();

    int worldSize();

    /** In-place element-wise sum over all ranks. */
    void allReduceSum(float[] values);

    /** Sum of one scalar over all ranks (token counts, losses, stop votes). */
    double allReduceSum(double value);

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
            public void close() {}
        };
    }
}
