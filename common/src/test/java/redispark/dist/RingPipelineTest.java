package redispark.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static redispark.dist.RingCollectiveTest.bits;
import static redispark.dist.RingCollectiveTest.inputs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The pipelined all-reduce (deferred additions over a pool of receive segments), several links per ring edge and
 * the bfloat16 wire: every rank ends with the same bits, those of the reference sum of its wire format.
 */
class RingPipelineTest {

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private List<RingCollective> ring(int world, int segmentBytes, int links, WireFormat wire) {
        List<RingCollective> rings =
                RingCollective.openLoopback(world, Duration.ofSeconds(30), segmentBytes, links, wire);
        open.addAll(rings);
        return rings;
    }

    static Stream<Arguments> worldsLinksSegments() {
        List<Arguments> cases = new ArrayList<>();
        for (int world : new int[] {2, 3, 4}) {
            for (int links : new int[] {1, 2, 3}) {
                for (int segment : new int[] {8, 4096, 256 << 10}) {
                    cases.add(Arguments.of(world, links, segment));
                }
            }
        }
        return cases.stream();
    }

    /** This rank's floats as little-endian bytes in a direct buffer (the training path), behind an offset. */
    private static ByteBuffer littleEndian(float[] xs) {
        ByteBuffer raw = ByteBuffer.allocateDirect(12 + xs.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < xs.length; i++) {
            raw.putFloat(12 + 4 * i, xs[i]);
        }
        return raw.position(12);
    }

    private static float[] floats(ByteBuffer le, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = le.getFloat(12 + 4 * i);
        }
        return out;
    }

    /** The result of each of the three kinds of input (array, heap FloatBuffer, direct little-endian bytes). */
    private static List<float[][]> reduceAllKinds(List<RingCollective> rings, float[][] x) {
        int n = x[0].length;
        return Ranks.each(rings, c -> {
            float[] array = x[c.rank()].clone();
            c.allReduceSum(array);
            FloatBuffer heap = FloatBuffer.wrap(x[c.rank()].clone());
            c.allReduceSum(heap);
            ByteBuffer le = littleEndian(x[c.rank()]);
            c.allReduceSumLittleEndian(le);
            assertThat(le.position()).isEqualTo(12);
            return new float[][] {array, heap.array(), floats(le, n)};
        });
    }

    @ParameterizedTest(name = "world={0} links={1} segment={2}")
    @MethodSource("worldsLinksSegments")
    void everyRankGetsTheReferenceBitsWhateverTheLinksAndSegments(int world, int links, int segmentBytes) {
        List<RingCollective> rings = ring(world, segmentBytes, links, WireFormat.FP32);
        // sizes that leave some links or chunks empty, and one of many segments per link
        for (int n : new int[] {0, 1, 5, segmentBytes == 8 ? 3_001 : 300_007}) {
            float[][] x = inputs(world, n, 31L * world + 7L * links + n);
            float[] expected = RingCollective.referenceSum(x);
            for (float[][] rank : reduceAllKinds(rings, x)) {
                for (float[] kind : rank) {
                    assertThat(bits(kind)).isEqualTo(bits(expected));
                }
            }
        }
    }

    @ParameterizedTest(name = "links={0} segment={1}")
    @MethodSource("piecesCases")
    void piecesLaidEndToEndReduceInPlaceAsOneArray(int links, int segmentBytes) {
        int[] lengths = {3, 0, 1_000, 1, 0, 20_011, 7}; // segments straddle pieces, some pieces are empty
        int n = java.util.Arrays.stream(lengths).sum();
        float[][] x = inputs(3, n, 500L + links + segmentBytes);
        float[] expected = RingCollective.referenceSum(x);
        List<float[]> results = Ranks.each(ring(3, segmentBytes, links, WireFormat.FP32), c -> {
            // one direct buffer holding the pieces with a guard float between each two
            ByteBuffer all =
                    ByteBuffer.allocateDirect((n + lengths.length + 1) * 4).order(ByteOrder.LITTLE_ENDIAN);
            List<ByteBuffer> pieces = new ArrayList<>();
            int at = 0;
            int from = 0;
            for (int len : lengths) {
                all.putFloat(4 * at++, 99f);
                for (int i = 0; i < len; i++) {
                    all.putFloat(4 * (at + i), x[c.rank()][from + i]);
                }
                pieces.add(all.duplicate().position(4 * at).limit(4 * (at + len)));
                at += len;
                from += len;
            }
            all.putFloat(4 * at, 99f);
            c.allReduceSumLittleEndian(pieces);
            float[] out = new float[n];
            at = 0;
            from = 0;
            for (int len : lengths) {
                assertThat(all.getFloat(4 * at++)).isEqualTo(99f);
                for (int i = 0; i < len; i++) {
                    out[from + i] = all.getFloat(4 * (at + i));
                }
                at += len;
                from += len;
            }
            assertThat(all.getFloat(4 * at)).isEqualTo(99f);
            return out;
        });
        for (float[] r : results) {
            assertThat(bits(r)).isEqualTo(bits(expected));
        }
    }

    static Stream<Arguments> piecesCases() {
        return Stream.of(Arguments.of(1, 8), Arguments.of(1, 4096), Arguments.of(2, 4096), Arguments.of(3, 256 << 10));
    }

    @Test
    void fourRanksOnThreeLinksStayExactOverManyCallsOfMixedSizes() {
        List<RingCollective> rings = ring(4, 64 << 10, 3, WireFormat.FP32);
        int[] sizes = {1_000_003, 7, 0, 250_000, 1_000_003, 2};
        List<List<float[]>> results = Ranks.each(rings, c -> {
            List<float[]> outs = new ArrayList<>();
            for (int k = 0; k < sizes.length; k++) {
                ByteBuffer le = littleEndian(inputs(4, sizes[k], 90 + k)[c.rank()]);
                c.allReduceSumLittleEndian(le);
                outs.add(floats(le, sizes[k]));
            }
            return outs;
        });
        for (int k = 0; k < sizes.length; k++) {
            float[] expected = RingCollective.referenceSum(inputs(4, sizes[k], 90 + k));
            for (List<float[]> rank : results) {
                assertThat(bits(rank.get(k))).isEqualTo(bits(expected));
            }
        }
    }

    @Test
    void otherOperationsStillWorkOnAMultiLinkRing() {
        List<RingCollective> rings = ring(3, 4096, 2, WireFormat.FP32);
        List<double[]> sums = Ranks.each(rings, c -> {
            c.barrier();
            FloatBuffer weights = FloatBuffer.wrap(c.rank() == 1 ? new float[] {1.5f, -2f, 3f} : new float[3]);
            c.broadcast(weights, 1);
            double total = c.allReduceSum((double) c.rank());
            return new double[] {weights.get(0), weights.get(1), weights.get(2), total};
        });
        for (double[] s : sums) {
            assertThat(s).containsExactly(1.5, -2.0, 3.0, 3.0);
        }
    }

    static Stream<Arguments> bf16Cases() {
        return Stream.of(
                Arguments.of(2, 1, 4096),
                Arguments.of(3, 1, 8),
                Arguments.of(4, 2, 4096),
                Arguments.of(4, 3, 256 << 10));
    }

    @ParameterizedTest(name = "world={0} links={1} segment={2}")
    @MethodSource("bf16Cases")
    void bf16WireGivesItsOwnReferenceBitsOnEveryRank(int world, int links, int segmentBytes) {
        List<RingCollective> rings = ring(world, segmentBytes, links, WireFormat.BF16);
        int n = segmentBytes == 8 ? 2_001 : 200_003;
        float[][] x = inputs(world, n, 77L * world + links);
        float[] expected = RingCollective.referenceSumBf16(x);
        for (float[][] rank : reduceAllKinds(rings, x)) {
            for (float[] kind : rank) {
                assertThat(bits(kind)).isEqualTo(bits(expected));
            }
        }
        // it really is the rounded sum: different from the float32 one, and within the rounding of each hop
        float[] exact = RingCollective.referenceSum(x);
        int differ = 0;
        for (int i = 0; i < n; i++) {
            double magnitude = 0;
            for (float[] r : x) {
                magnitude += Math.abs(r[i]);
            }
            assertThat(Math.abs((double) expected[i] - exact[i])).isLessThanOrEqualTo(world * magnitude / 256);
            differ += Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(exact[i]) ? 1 : 0;
        }
        assertThat(differ).isGreaterThan(n / 2);
    }

    @Test
    void bf16RoundsToNearestEvenAndKeepsSpecialValues() {
        assertThat(Bf16.of(1f)).isEqualTo((short) 0x3f80);
        // halfway cases go to the even neighbour
        assertThat(Bf16.round(1f + 0x1p-8f)).isEqualTo(1f);
        assertThat(Bf16.round(1f + 3 * 0x1p-8f)).isEqualTo(1f + 0x1p-6f);
        assertThat(Bf16.round(1f + 0x1p-8f + 0x1p-20f)).isEqualTo(1f + 0x1p-7f);
        assertThat(Bf16.round(-2.5f)).isEqualTo(-2.5f);
        assertThat(Bf16.round(Float.POSITIVE_INFINITY)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(Bf16.round(Float.MAX_VALUE)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(Bf16.round(Float.intBitsToFloat(0x7f800001))).isNaN();
        assertThat(Float.floatToRawIntBits(Bf16.round(-0f))).isEqualTo(Float.floatToRawIntBits(-0f));
    }

    @Test
    void ranksThatDisagreeOnLinksOrWireFormatAreRefused() throws Exception {
        for (boolean differInLinks : new boolean[] {true, false}) {
            try (RingFixture fixture = new RingFixture()) {
                List<java.nio.channels.ServerSocketChannel> servers = fixture.servers(2);
                List<String> peers = RingFixture.peers(servers);
                byte[] secret = Rendezvous.newSecret();
                Duration t = Duration.ofSeconds(3);
                Rendezvous base = new Rendezvous(0, 2, peers, secret, "mixed", 0, t, t, 4096);
                List<Rendezvous> rvs = List.of(
                        base,
                        differInLinks
                                ? new Rendezvous(1, 2, peers, secret, "mixed", 0, t, t, 4096).withLinks(2)
                                : new Rendezvous(1, 2, peers, secret, "mixed", 0, t, t, 4096)
                                        .withWireFormat(WireFormat.BF16));
                List<Ranks.Outcome<RingCollective>> outcomes = Ranks.outcomes(
                        List.of(0, 1), r -> RingCollective.open(rvs.get(r), servers.get(r)), Duration.ofSeconds(30));
                for (Ranks.Outcome<RingCollective> o : outcomes) {
                    if (o.value() != null) {
                        o.value().close();
                    }
                }
                assertThat(outcomes).allSatisfy(o -> assertThat(o.failure()).isInstanceOf(CollectiveException.class));
                assertThat(outcomes)
                        .anySatisfy(o -> assertThat(o.failure()).isInstanceOf(HandshakeRefusedException.class));
            }
        }
    }

    @Test
    void aRankThatNeverCallsFailsEveryLinkOfItsPeerPromptly() {
        Duration connect = Duration.ofSeconds(20);
        List<RingCollective> rings =
                RingSetup.openLoopback(2, connect, Duration.ofSeconds(1), 4096, false, 3, WireFormat.FP32);
        open.addAll(rings);
        List<Ranks.Outcome<Integer>> outcomes = Ranks.outcomes(
                rings,
                c -> {
                    if (c.rank() == 0) {
                        c.allReduceSum(new float[100_000]);
                    }
                    return c.rank();
                },
                Duration.ofSeconds(30));
        assertThat(outcomes.get(0).failure())
                .isInstanceOf(CollectiveException.class)
                .hasMessageContaining("ioTimeout");
        assertThat(rings.get(0).isBroken()).isTrue();
        assertThat(outcomes.get(0).nanos()).isLessThan(Duration.ofSeconds(10).toNanos());
    }
}
