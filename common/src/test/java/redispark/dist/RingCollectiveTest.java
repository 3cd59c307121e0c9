package redispark.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class RingCollectiveTest {

    private final List<RingCollective> open = new ArrayList<>();

    @AfterEach
    void closeRings() {
        Ranks.closeAll(open);
    }

    private List<RingCollective> ring(int world) {
        List<RingCollective> rings = Ranks.loopback(world);
        open.addAll(rings);
        return rings;
    }

    private List<RingCollective> ring(int world, int segmentBytes) {
        Duration t = Duration.ofSeconds(20);
        List<RingCollective> rings = RingCollective.openLoopback(world, t, t, segmentBytes);
        open.addAll(rings);
        return rings;
    }

    /** Values over many magnitudes and both signs, so float addition order shows in the low bits. */
    static float[][] inputs(int world, int n, long seed) {
        Random random = new Random(seed);
        float[][] x = new float[world][n];
        for (int r = 0; r < world; r++) {
            for (int i = 0; i < n; i++) {
                x[r][i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(7) - 3));
            }
        }
        return x;
    }

    static int[] bits(float[] xs) {
        int[] b = new int[xs.length];
        for (int i = 0; i < xs.length; i++) {
            b[i] = Float.floatToRawIntBits(xs[i]);
        }
        return b;
    }

    static Stream<Arguments> worldsAndSizes() {
        List<Arguments> cases = new ArrayList<>();
        for (int world : new int[] {1, 2, 3, 4}) {
            for (int n : new int[] {0, 1, 2, 7, 1_000_003}) {
                cases.add(Arguments.of(world, n));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "world={0} n={1}")
    @MethodSource("worldsAndSizes")
    void allReduceIsBitIdenticalOnEveryRankAndToTheReferenceSum(int world, int n) {
        float[][] x = inputs(world, n, 1000L * world + n);
        float[] expected = RingCollective.referenceSum(x);
        List<float[]> results = Ranks.each(ring(world), c -> {
            float[] mine = x[c.rank()].clone();
            c.allReduceSum(mine);
            return mine;
        });
        for (float[] r : results) {
            assertThat(bits(r)).isEqualTo(bits(expected));
        }
    }

    @Test
    void referenceSumFollowsTheRingOrderNotRankOrder() {
        // guards the test above: with these inputs a plain rank-order sum differs in some element
        float[][] x = inputs(3, 1_000_003, 3000L + 1_000_003);
        float[] ring = RingCollective.referenceSum(x);
        int differ = 0;
        for (int i = 0; i < ring.length; i++) {
            float plain = (x[0][i] + x[1][i]) + x[2][i];
            if (Float.floatToRawIntBits(plain) != Float.floatToRawIntBits(ring[i])) {
                differ++;
            }
        }
        assertThat(differ).isPositive();
    }

    @ParameterizedTest(name = "segment={0} bytes")
    @ValueSource(ints = {8, 16, 40})
    void tinySegmentsPipelineOddChunksCorrectly(int segmentBytes) {
        float[][] x = inputs(3, 1001, 7);
        float[] expected = RingCollective.referenceSum(x);
        List<float[]> results = Ranks.each(ring(3, segmentBytes), c -> {
            float[] mine = x[c.rank()].clone();
            c.allReduceSum(mine);
            return mine;
        });
        results.forEach(r -> assertThat(bits(r)).isEqualTo(bits(expected)));
    }

    @Test
    void repeatedCallsOnOneRingStayCorrect() {
        int[] sizes = {5, 300_001, 0, 2, 300_001, 17};
        List<List<float[]>> results = Ranks.each(ring(3), c -> {
            List<float[]> outs = new ArrayList<>();
            for (int k = 0; k < sizes.length; k++) {
                float[] mine = inputs(3, sizes[k], 50 + k)[c.rank()];
                c.allReduceSum(mine);
                outs.add(mine);
            }
            return outs;
        });
        for (int k = 0; k < sizes.length; k++) {
            float[] expected = RingCollective.referenceSum(inputs(3, sizes[k], 50 + k));
            for (List<float[]> rank : results) {
                assertThat(bits(rank.get(k))).isEqualTo(bits(expected));
            }
        }
    }

    @Test
    void floatBuffersAndLittleEndianBytesGiveTheSameBitsAsArrays() {
        int n = 100_003;
        float[][] x = inputs(2, n, 11);
        float[] expected = RingCollective.referenceSum(x);
        List<float[][]> results = Ranks.each(ring(2), c -> {
            float[] mine = x[c.rank()];
            // heap FloatBuffer with an offset: only position..limit is reduced
            FloatBuffer heap = FloatBuffer.allocate(n + 3);
            heap.position(2).put(mine).position(2).limit(2 + n);
            heap.put(0, 42f).put(1, 43f);
            c.allReduceSum(heap);
            // direct FloatBuffer in big-endian order
            FloatBuffer direct =
                    ByteBuffer.allocateDirect(n * 4).order(ByteOrder.BIG_ENDIAN).asFloatBuffer();
            direct.put(0, mine);
            c.allReduceSum(direct);
            // little-endian bytes behind a non-zero position, buffer flagged big-endian on purpose
            ByteBuffer raw = ByteBuffer.allocateDirect(8 + n * 4);
            ByteBuffer le = raw.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                le.putFloat(8 + 4 * i, mine[i]);
            }
            raw.position(8);
            c.allReduceSumLittleEndian(raw);
            float[] h = new float[n];
            heap.get(2, h);
            float[] d = new float[n];
            direct.get(0, d);
            float[] b = new float[n];
            for (int i = 0; i < n; i++) {
                b[i] = le.getFloat(8 + 4 * i);
            }
            assertThat(heap.position()).isEqualTo(2);
            assertThat(heap.get(0)).isEqualTo(42f);
            assertThat(raw.position()).isEqualTo(8);
            return new float[][] {h, d, b};
        });
        for (float[][] r : results) {
            for (float[] v : r) {
                assertThat(bits(v)).isEqualTo(bits(expected));
            }
        }
    }

    @Test
    void scalarSumIsTheCorrectlyRoundedSumOnEveryRank() {
        double[] values = {1e16, 0.1, -1e16};
        double exact = new BigDecimal(1e16)
                .add(new BigDecimal(0.1))
                .add(new BigDecimal(-1e16))
                .doubleValue();
        List<Double> sums = Ranks.each(ring(3), c -> c.allReduceSum(values[c.rank()]));
        assertThat(sums).containsOnly(exact);
        assertThat(exact).isEqualTo(0.1); // a plain left-to-right double sum would give 0.0 here
    }

    @Test
    void scalarArraysSumTokenCountsExactly() {
        List<double[]> sums = Ranks.each(ring(3), c -> {
            double[] v = {1_000_000_007L * (c.rank() + 1), c.rank() == 1 ? 1 : 0, -0.0};
            c.allReduceSum(v);
            return v;
        });
        for (double[] s : sums) {
            assertThat(s[0]).isEqualTo(6_000_000_042.0);
            assertThat(s[1]).isEqualTo(1.0);
            assertThat(Double.doubleToRawLongBits(s[2])).isEqualTo(Double.doubleToRawLongBits(-0.0));
        }
    }

    @Test
    void exactSumFollowsIeeeForZerosInfinitiesAndNaN() {
        assertThat(RingCollective.exactSum(new double[] {-0.0, 0.0})).isEqualTo(0.0);
        assertThat(Double.doubleToRawLongBits(RingCollective.exactSum(new double[] {-0.0, 0.0})))
                .isEqualTo(Double.doubleToRawLongBits(0.0));
        assertThat(RingCollective.exactSum(new double[] {1, Double.POSITIVE_INFINITY}))
                .isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(RingCollective.exactSum(new double[] {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}))
                .isNaN();
        assertThat(RingCollective.exactSum(new double[] {Double.MAX_VALUE, Double.MAX_VALUE}))
                .isEqualTo(Double.POSITIVE_INFINITY);
    }

    @Test
    void allGatherReturnsEveryRanksBytesInRankOrder() {
        List<byte[][]> results = Ranks.each(ring(3), c -> c.allGather(new byte[c.rank() * 3]));
        for (byte[][] all : results) {
            assertThat(all).hasNumberOfRows(3);
            assertThat(all[0]).isEmpty();
            assertThat(all[1]).hasSize(3);
            assertThat(all[2]).hasSize(6);
        }
        List<byte[][]> named = Ranks.each(ring(3), c -> c.allGather(("rank" + c.rank()).getBytes()));
        for (byte[][] all : named) {
            assertThat(new String(all[0])).isEqualTo("rank0");
            assertThat(new String(all[1])).isEqualTo("rank1");
            assertThat(new String(all[2])).isEqualTo("rank2");
        }
    }

    @Test
    void allGatherHandlesBlocksOfDifferentSizes() {
        List<byte[][]> results = Ranks.each(ring(3), c -> c.allGather(new byte[c.rank() * 100_000 + 1]));
        for (byte[][] all : results) {
            assertThat(all[0]).hasSize(1);
            assertThat(all[1]).hasSize(100_001);
            assertThat(all[2]).hasSize(200_001);
        }
    }

    @ParameterizedTest(name = "root={0}")
    @ValueSource(ints = {0, 2})
    void broadcastCopiesTheRootsBitsToEveryRank(int root) {
        float[] special = {-0.0f, Float.intBitsToFloat(0x7fc01234), Float.MIN_VALUE, -1.5f, Float.NEGATIVE_INFINITY};
        int n = 200_003;
        List<float[]> results = Ranks.each(ring(3), c -> {
            FloatBuffer v = FloatBuffer.allocate(n);
            for (int i = 0; i < n; i++) {
                v.put(i, c.rank() == root ? (i < special.length ? special[i] : i * 0.5f) : 99f);
            }
            c.broadcast(v, root);
            ByteBuffer raw = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.LITTLE_ENDIAN);
            raw.asFloatBuffer().put(v.array());
            c.broadcastLittleEndian(raw, root);
            float[] back = new float[n];
            raw.asFloatBuffer().get(back);
            assertThat(bits(back)).isEqualTo(bits(v.array()));
            return v.array();
        });
        for (float[] r : results) {
            for (int i = 0; i < special.length; i++) {
                assertThat(Float.floatToRawIntBits(r[i])).isEqualTo(Float.floatToRawIntBits(special[i]));
            }
            assertThat(r[n - 1]).isEqualTo((n - 1) * 0.5f);
        }
    }

    @Test
    void defaultBroadcastThroughAllReduceKeepsEveryBit() {
        float[] special = {-0.0f, 0.0f, Float.MIN_VALUE, -3.25f, Float.POSITIVE_INFINITY, 1e-40f};
        List<float[]> results = Ranks.each(ring(3), ring -> {
            Collective plain = new Collective() {
                @Override
                public int rank() {
                    return ring.rank();
                }

                @Override
                public int worldSize() {
                    return ring.worldSize();
                }

                @Override
                public void allReduceSum(float[] values) {
                    ring.allReduceSum(values);
                }

                @Override
                public double allReduceSum(double value) {
                    return ring.allReduceSum(value);
                }

                @Override
                public void close() {
                    ring.close();
                }
            };
            FloatBuffer v = FloatBuffer.wrap(ring.rank() == 1 ? special.clone() : new float[] {7, 7, 7, 7, 7, 7});
            plain.broadcast(v, 1);
            plain.barrier();
            return v.array();
        });
        results.forEach(r -> assertThat(bits(r)).isEqualTo(bits(special)));
    }

    @Test
    void barrierReturnsOnlyAfterTheLastRankArrives() {
        List<Long> exits = Ranks.each(ring(3), c -> {
            if (c.rank() == 2) {
                Thread.sleep(300);
            }
            long before = System.nanoTime();
            c.barrier();
            return System.nanoTime() - before;
        });
        assertThat(exits.get(0)).isGreaterThan(200_000_000L);
        assertThat(exits.get(1)).isGreaterThan(200_000_000L);
    }

    @Test
    void singleRankRingIsTheIdentity() {
        RingCollective one = ring(1).get(0);
        float[] v = {1, 2, 3};
        one.allReduceSum(v);
        assertThat(v).containsExactly(1, 2, 3);
        assertThat(one.allReduceSum(2.5)).isEqualTo(2.5);
        assertThat(one.allGather(new byte[] {9})).isDeepEqualTo(new byte[][] {{9}});
        one.barrier();
        assertThat(one.worldSize()).isEqualTo(1);
    }

    @Test
    void singleCollectiveIsTheIdentity() {
        Collective one = Collective.single();
        float[] v = {1, 2};
        one.allReduceSum(v);
        FloatBuffer b = FloatBuffer.wrap(new float[] {3});
        one.allReduceSum(b);
        one.broadcast(b, 0);
        one.barrier();
        assertThat(v).containsExactly(1, 2);
        assertThat(b.get(0)).isEqualTo(3);
        assertThat(one.allGather(new byte[] {4})).isDeepEqualTo(new byte[][] {{4}});
    }
}
