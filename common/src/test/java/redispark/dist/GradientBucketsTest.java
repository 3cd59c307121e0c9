package redispark.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GradientBucketsTest {

    private static final long[] SIZES = {3, 10, 1, 0, 7, 25_000};

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

    /** Per rank, per tensor: seeded values. */
    private static List<List<float[]>> gradients(int world, long[] sizes, long seed) {
        List<List<float[]>> all = new ArrayList<>();
        for (int r = 0; r < world; r++) {
            List<float[]> tensors = new ArrayList<>();
            for (int t = 0; t < sizes.length; t++) {
                tensors.add(RingCollectiveTest.inputs(1, (int) sizes[t], seed * 1000 + r * 100 + t)[0]);
            }
            all.add(tensors);
        }
        return all;
    }

    /** What bucketed reduction must produce: the ring reference sum of each bucket's flat contents, divided. */
    private static List<float[]> expected(List<List<float[]>> perRank, long[] sizes, int bucketFloats, float divisor) {
        int world = perRank.size();
        int total = 0;
        for (long s : sizes) {
            total += (int) s;
        }
        float[][] flat = new float[world][total];
        for (int r = 0; r < world; r++) {
            int at = 0;
            for (float[] t : perRank.get(r)) {
                System.arraycopy(t, 0, flat[r], at, t.length);
                at += t.length;
            }
        }
        float[] result = new float[total];
        for (int from = 0; from < total; from += bucketFloats) {
            int len = Math.min(bucketFloats, total - from);
            float[][] bucket = new float[world][len];
            for (int r = 0; r < world; r++) {
                System.arraycopy(flat[r], from, bucket[r], 0, len);
            }
            float[] sum = RingCollective.referenceSum(bucket);
            for (int i = 0; i < len; i++) {
                result[from + i] = divisor == 1f ? sum[i] : sum[i] / divisor;
            }
        }
        List<float[]> out = new ArrayList<>();
        int at = 0;
        for (long s : sizes) {
            float[] t = new float[(int) s];
            System.arraycopy(result, at, t, 0, t.length);
            at += t.length;
            out.add(t);
        }
        return out;
    }

    @Test
    void layoutCutsTensorsIntoFullBucketsInOrder() {
        GradientBuckets b = new GradientBuckets(new long[] {3, 10, 1, 0, 7}, 16);
        assertThat(b.totalFloats()).isEqualTo(21);
        assertThat(b.bucketCount()).isEqualTo(6);
        assertThat(b.bucketLength(0)).isEqualTo(4);
        assertThat(b.bucketLength(5)).isEqualTo(1);
        assertThat(b.bucketStart(5)).isEqualTo(20);
        assertThat(new GradientBuckets(new long[] {0, 0}, 16).bucketCount()).isZero();
    }

    @Test
    void bucketSizeFollowsTheModelSize() {
        // the ~1 M-parameter tiny student: the whole model in one bucket, rounded up to 64 KiB
        int tiny = GradientBuckets.bucketBytesFor(1_000_000);
        assertThat(tiny).isEqualTo(62 * 65536).isGreaterThanOrEqualTo(4_000_000);
        assertThat(new GradientBuckets(new long[] {600_000, 400_000}, tiny).bucketCount())
                .isEqualTo(1);
        // the 1.5 B student: tens of MiB, evened out so that no bucket is a sliver
        long big = 1_543_714_304L;
        int bytes = GradientBuckets.bucketBytesFor(big);
        assertThat(bytes).isLessThanOrEqualTo(GradientBuckets.MAX_BUCKET_BYTES).isGreaterThan(31 << 20);
        assertThat(bytes % 65536).isZero();
        long buckets = (big * 4 + bytes - 1) / bytes;
        assertThat(buckets).isEqualTo(185);
        assertThat(big * 4 - (buckets - 1) * bytes).isGreaterThan(bytes / 2);
        assertThat(GradientBuckets.bucketBytesFor(0)).isEqualTo(65536);
        assertThat(GradientBuckets.bucketBytesFor(8L << 20)).isEqualTo(GradientBuckets.MAX_BUCKET_BYTES);
        assertThat(GradientBuckets.bucketBytesFor((8L << 20) + 1)).isEqualTo((16 << 20) + 65536);
    }

    @Test
    void bucketedSumOfByteBuffersMatchesTheRingReferenceOnEveryRank() {
        int world = 3;
        int bucketBytes = 4000; // 1000 floats: tensors span buckets, last bucket partial
        var grads = gradients(world, SIZES, 1);
        List<float[]> expected = expected(grads, SIZES, bucketBytes / 4, 1f);
        List<List<float[]>> results = Ranks.each(ring(world), c -> {
            GradientBuckets buckets = new GradientBuckets(SIZES, bucketBytes);
            List<ByteBuffer> views = new ArrayList<>();
            for (float[] t : grads.get(c.rank())) {
                ByteBuffer v = ByteBuffer.allocateDirect(t.length * 4 + 4).order(ByteOrder.LITTLE_ENDIAN);
                v.position(4); // tensors need not start at position 0
                v.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(t);
                views.add(v);
            }
            buckets.allReduce(c, views, 1f);
            buckets.allReduce(c, views, 1f); // twice: the staging buffer is reused
            List<float[]> out = new ArrayList<>();
            for (ByteBuffer v : views) {
                float[] t = new float[v.remaining() / 4];
                v.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(t);
                out.add(t);
            }
            return out;
        });
        // the second reduction sums N copies of the first result, again bucket by bucket
        List<List<float[]>> firstResults = new ArrayList<>();
        for (int r = 0; r < world; r++) {
            firstResults.add(expected);
        }
        List<float[]> twice = expected(firstResults, SIZES, bucketBytes / 4, 1f);
        for (List<float[]> rank : results) {
            for (int t = 0; t < SIZES.length; t++) {
                assertThat(RingCollectiveTest.bits(rank.get(t))).isEqualTo(RingCollectiveTest.bits(twice.get(t)));
            }
        }
    }

    @Test
    void meanOfArraysDividesTheBucketSumsLikeTheTrainLoop() {
        int world = 2;
        var grads = gradients(world, SIZES, 2);
        List<float[]> expected = expected(grads, SIZES, 256, world);
        List<List<float[]>> results = Ranks.each(ring(world), c -> {
            List<float[]> mine = new ArrayList<>();
            grads.get(c.rank()).forEach(t -> mine.add(t.clone()));
            new GradientBuckets(SIZES, 1024).allReduceArrays(c, mine, world);
            return mine;
        });
        for (List<float[]> rank : results) {
            for (int t = 0; t < SIZES.length; t++) {
                assertThat(RingCollectiveTest.bits(rank.get(t))).isEqualTo(RingCollectiveTest.bits(expected.get(t)));
            }
        }
    }

    @Test
    void singleProcessMeanDividesInPlace() {
        List<float[]> tensors = List.of(new float[] {2, 4}, new float[] {6});
        new GradientBuckets(new long[] {2, 1}, 8).allReduceArrays(Collective.single(), tensors, 2f);
        assertThat(tensors.get(0)).containsExactly(1, 2);
        assertThat(tensors.get(1)).containsExactly(3);
    }

    @Test
    void layoutMismatchBetweenRanksIsReportedBeforeTraining() {
        var outcomes = Ranks.outcomes(
                ring(3),
                c -> {
                    List<String> names = c.rank() == 2 ? List.of("b", "a") : List.of("a", "b");
                    new GradientBuckets(names, new long[] {4, 4}, 1024).checkSameLayout(c);
                    return null;
                },
                java.time.Duration.ofSeconds(30));
        for (var o : outcomes) {
            assertThat(o.failure())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("ranks [2] do not match rank 0");
        }
    }

    @Test
    void wrongTensorSizeIsRejectedNamingTheTensor() {
        GradientBuckets b = new GradientBuckets(List.of("embed", "head"), new long[] {4, 2}, 1024);
        assertThatThrownBy(() -> b.allReduceArrays(Collective.single(), List.of(new float[4], new float[3]), 2f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("head");
    }
}
