package redispark.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static redispark.dist.RingFixture.SECRET;
import static redispark.dist.RingFixture.address;

import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * The ring as an attacker on the network meets it: one who can reach the ranks' ports and knows the run id and the
 * attempt, but not the run secret. Every attempt is refused, and the real ring still forms within its timeout.
 */
class RingSecurityTest {

    private static final Duration CONNECT = Duration.ofSeconds(20);
    private static final Duration IO = Duration.ofSeconds(10);
    private static final String RUN = "run-42";
    private static final int ATTEMPT = 3;
    /** HELLO flags of a sealed ring with one link per edge and the float32 wire (seal bit, links = 1 at bit 8). */
    private static final int FLAGS_SEALED = 1 | 1 << 8;

    @AutoClose
    private final RingFixture fixture = new RingFixture();

    // ------------------------------------------------------------------------------------------- set-up

    private TcpRelay relay(String target, boolean held, long flipAt) throws Exception {
        return fixture.closeAfter(new TcpRelay(target, held, flipAt));
    }

    /** Rank {@code rank} of a 2-rank ring that dials its successor at {@code successor}. */
    private static Rendezvous rank(int rank, String self, String successor, boolean seal) {
        List<String> peers = rank == 0 ? List.of(self, successor) : List.of(successor, self);
        return new Rendezvous(rank, 2, peers, SECRET, RUN, ATTEMPT, CONNECT, IO, 64 << 10).withSealFrames(seal);
    }

    /** Both ranks formed the ring within the connect timeout and sum correctly over it. */
    private static void assertRingWorks(CompletableFuture<RingCollective> r0, CompletableFuture<RingCollective> r1)
            throws Exception {
        List<RingCollective> rings =
                List.of(r0.get(CONNECT.toSeconds(), TimeUnit.SECONDS), r1.get(CONNECT.toSeconds(), TimeUnit.SECONDS));
        assertThat(Ranks.each(rings, c -> c.allReduceSum(c.rank() + 1.0))).containsOnly(3.0);
        float[][] inputs = {{1.5f, -2f, 3f}, {0.25f, 4f, -1f}};
        List<float[]> sums = Ranks.each(rings, c -> {
            float[] v = inputs[c.rank()].clone();
            c.allReduceSum(v);
            return v;
        });
        assertThat(sums).allSatisfy(s -> assertThat(s).containsExactly(RingCollective.referenceSum(inputs)));
    }

    // ------------------------------------------------------------------------------------------- the attacker

    private SocketChannel dial(String address) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        return fixture.closeAfter(Io.connect(Rendezvous.parseAddress(address, 0), deadline, RingSecurityTest::blame));
    }

    private static CollectiveException blame(String problem, Throwable cause) {
        return new CollectiveException("attacker: " + problem, -1, "attack", cause);
    }

    private static long soon() {
        return System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    }

    /** A HELLO as the wire format has it: version, connector, acceptor, world, attempt, flags, run id, nonce. */
    private static void hello(SocketChannel ch, int connector, int acceptor, String run, byte[] nonce) {
        byte[] id = run.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(6 * 4 + 2 + id.length + nonce.length)
                .putInt(Handshake.VERSION)
                .putInt(connector)
                .putInt(acceptor)
                .putInt(2)
                .putInt(ATTEMPT)
                .putInt(FLAGS_SEALED)
                .putShort((short) id.length)
                .put(id)
                .put(nonce)
                .flip();
        Handshake.send(ch, Handshake.HELLO, b, soon(), RingSecurityTest::blame);
    }

    private static Handshake.Frame read(SocketChannel ch) {
        return Handshake.receive(ch, soon(), RingSecurityTest::blame, false);
    }

    private static byte[] bytes(ByteBuffer b, int n) {
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    /** The rank refused: a REFUSE of one code byte that says nothing of the run, then the connection closes. */
    private static void assertRefusedSayingNothing(SocketChannel ch) {
        Handshake.Frame verdict = read(ch);
        assertThat(verdict.type()).isEqualTo(Handshake.REFUSE);
        assertThat(verdict.body().remaining()).isEqualTo(1);
        assertThat(verdict.body().get()).isEqualTo(Handshake.REFUSED_NOT_A_MEMBER);
        assertClosedByTheRank(ch);
    }

    private static void assertClosedByTheRank(SocketChannel ch) {
        assertThatThrownBy(() -> Io.readFully(ch, ByteBuffer.allocate(1), soon(), RingSecurityTest::blame))
                .hasMessageContaining("closed by the peer");
    }

    // ------------------------------------------------------------------------------------------- tests

    /**
     * The reflection: the attacker opens a connection to rank 0 posing as rank 1 and gets rank 0's nonce; it opens
     * one to rank 1 posing as rank 0 with that nonce as its own, and gets rank 1's proof over it; it hands that proof
     * to rank 0 (and rank 0's to rank 1). Role labels and the whole transcript in each MAC make both worthless.
     */
    @Test
    void reflectedProofsAreRefusedAndTheRingStillForms() throws Exception {
        List<ServerSocketChannel> servers = fixture.servers(2);
        String a0 = address(servers.get(0));
        String a1 = address(servers.get(1));
        // the real dials wait in relays until the attack is over, so both acceptors face the attacker alone
        TcpRelay to1 = relay(a1, true, -1);
        TcpRelay to0 = relay(a0, true, -1);
        var rank0 = fixture.openAsync(rank(0, a0, to1.address(), true), servers.get(0));
        var rank1 = fixture.openAsync(rank(1, a1, to0.address(), true), servers.get(1));

        SocketChannel toRank0 = dial(a0);
        hello(toRank0, 1, 0, RUN, randomBytes(Handshake.NONCE_BYTES));
        Handshake.Frame reply0 = read(toRank0);
        assertThat(reply0.type()).isEqualTo(Handshake.REPLY);
        byte[] nonce0 = bytes(reply0.body(), Handshake.NONCE_BYTES);
        byte[] proof0 = bytes(reply0.body(), Handshake.MAC_BYTES);

        SocketChannel toRank1 = dial(a1);
        hello(toRank1, 0, 1, RUN, nonce0);
        Handshake.Frame reply1 = read(toRank1);
        assertThat(reply1.type()).isEqualTo(Handshake.REPLY);
        bytes(reply1.body(), Handshake.NONCE_BYTES);
        byte[] proof1 = bytes(reply1.body(), Handshake.MAC_BYTES);

        Handshake.send(toRank0, Handshake.PROOF, ByteBuffer.wrap(proof1), soon(), RingSecurityTest::blame);
        assertRefusedSayingNothing(toRank0);
        Handshake.send(toRank1, Handshake.PROOF, ByteBuffer.wrap(proof0), soon(), RingSecurityTest::blame);
        assertRefusedSayingNothing(toRank1);

        to1.release();
        to0.release();
        assertRingWorks(rank0, rank1);
    }

    /** A handshake recorded on the wire and replayed later, even within the same run and attempt, is refused. */
    @Test
    void replayedHandshakeIsRefusedAndTheRingStillForms() throws Exception {
        List<ServerSocketChannel> first = fixture.servers(2);
        TcpRelay recorder = relay(address(first.get(1)), false, -1);
        var r0 = fixture.openAsync(rank(0, address(first.get(0)), recorder.address(), true), first.get(0));
        var r1 = fixture.openAsync(rank(1, address(first.get(1)), address(first.get(0)), true), first.get(1));
        assertRingWorks(r0, r1);
        ByteBuffer wire = ByteBuffer.wrap(recorder.recorded());
        ByteBuffer recordedHello = nextFrame(wire);
        ByteBuffer recordedProof = nextFrame(wire);
        assertThat(recordedHello.get(8)).isEqualTo(Handshake.HELLO);
        assertThat(recordedProof.get(8)).isEqualTo(Handshake.PROOF);
        r0.get().close();
        r1.get().close();

        List<ServerSocketChannel> second = fixture.servers(2);
        String b0 = address(second.get(0));
        String b1 = address(second.get(1));
        var rank1 = fixture.openAsync(rank(1, b1, b0, true), second.get(1));
        SocketChannel replay = dial(b1);
        Io.writeFully(replay, recordedHello, soon(), RingSecurityTest::blame);
        assertThat(read(replay).type()).isEqualTo(Handshake.REPLY);
        Io.writeFully(replay, recordedProof, soon(), RingSecurityTest::blame);
        assertRefusedSayingNothing(replay);
        var rank0 = fixture.openAsync(rank(0, b0, b1, true), second.get(0));
        assertRingWorks(rank0, rank1);
    }

    /** The next {@code magic, length, type, body} frame of a recorded stream, whole. */
    private static ByteBuffer nextFrame(ByteBuffer wire) {
        int length = wire.getInt(wire.position() + 4);
        ByteBuffer frame = wire.slice(wire.position(), 8 + length);
        wire.position(wire.position() + 8 + length);
        return frame;
    }

    /**
     * Clients that connect and say nothing, more of them than the handshakes a rank runs at once, do not hold up
     * the accept: the real peers join in well under the per-handshake timeout.
     */
    @Test
    void silentClientsDoNotHoldUpTheRing() throws Exception {
        List<ServerSocketChannel> servers = fixture.servers(2);
        String a0 = address(servers.get(0));
        String a1 = address(servers.get(1));
        for (int i = 0; i < RingAcceptor.MAX_PENDING + 4; i++) {
            dial(a0);
            dial(a1);
        }
        long start = System.nanoTime();
        var rank0 = fixture.openAsync(rank(0, a0, a1, true), servers.get(0));
        var rank1 = fixture.openAsync(rank(1, a1, a0, true), servers.get(1));
        assertRingWorks(rank0, rank1);
        assertThat((System.nanoTime() - start) / 1e9)
                .as("seconds to form the ring beside silent clients")
                .isLessThan(RingAcceptor.HANDSHAKE_TIMEOUT.toSeconds() / 2.0);
    }

    /**
     * Strangers are refused with one code byte, never the run id or the attempt: one that guesses a proof, one that
     * claims another run, and one holding another secret (which the real rank refuses in turn).
     */
    @Test
    void strangersAreRefusedLearningNothingAndTheRingStillForms() throws Exception {
        List<ServerSocketChannel> servers = fixture.servers(2);
        String a0 = address(servers.get(0));
        String a1 = address(servers.get(1));
        TcpRelay to0 = relay(a0, true, -1);
        var rank1 = fixture.openAsync(rank(1, a1, to0.address(), true), servers.get(1));

        SocketChannel guesser = dial(a1);
        hello(guesser, 0, 1, RUN, randomBytes(Handshake.NONCE_BYTES));
        assertThat(read(guesser).type()).isEqualTo(Handshake.REPLY);
        Handshake.send(
                guesser,
                Handshake.PROOF,
                ByteBuffer.wrap(randomBytes(Handshake.MAC_BYTES)),
                soon(),
                RingSecurityTest::blame);
        assertRefusedSayingNothing(guesser);

        SocketChannel otherRun = dial(a1);
        hello(otherRun, 0, 1, "run-41", randomBytes(Handshake.NONCE_BYTES));
        assertRefusedSayingNothing(otherRun);

        byte[] otherSecret = SECRET.clone();
        otherSecret[7] ^= 1;
        Rendezvous impostor = new Rendezvous(0, 2, List.of(a0, a1), otherSecret, RUN, ATTEMPT, CONNECT, IO, 64 << 10)
                .withSealFrames(true);
        SocketChannel withOtherSecret = dial(a1);
        assertThatThrownBy(() -> Handshake.connect(withOtherSecret, impostor, soon(), RingSecurityTest::blame))
                .isInstanceOf(HandshakeRefusedException.class)
                .hasMessageContaining("could not prove it knows the run secret");

        var rank0 = fixture.openAsync(rank(0, a0, a1, true), servers.get(0));
        to0.release();
        assertRingWorks(rank0, rank1);
    }

    /** Length fields are checked before anything is allocated: a 1 GiB HELLO or PROOF ends only that connection. */
    @Test
    void oversizedLengthFieldsAreRefusedAndTheRingStillForms() throws Exception {
        List<ServerSocketChannel> servers = fixture.servers(2);
        String a0 = address(servers.get(0));
        String a1 = address(servers.get(1));
        TcpRelay to0 = relay(a0, true, -1);
        var rank1 = fixture.openAsync(rank(1, a1, to0.address(), true), servers.get(1));

        SocketChannel huge = dial(a1);
        ByteBuffer header =
                ByteBuffer.allocate(8).putInt(Handshake.MAGIC).putInt(1 << 30).flip();
        Io.writeFully(huge, header, soon(), RingSecurityTest::blame);
        assertClosedByTheRank(huge);

        SocketChannel hugeProof = dial(a1);
        hello(hugeProof, 0, 1, RUN, randomBytes(Handshake.NONCE_BYTES));
        assertThat(read(hugeProof).type()).isEqualTo(Handshake.REPLY);
        Io.writeFully(
                hugeProof,
                ByteBuffer.allocate(8).putInt(Handshake.MAGIC).putInt(-1).flip(),
                soon(),
                RingSecurityTest::blame);
        assertClosedByTheRank(hugeProof);

        var rank0 = fixture.openAsync(rank(0, a0, a1, true), servers.get(0));
        to0.release();
        assertRingWorks(rank0, rank1);
        RingCollective r = rank0.get();
        assertThatThrownBy(() -> r.allGather(new byte[RingCollective.MAX_GATHER_BYTES + 1]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("limited to");
    }

    /** A byte flipped on the wire after the handshake fails the step on the receiving rank, saying so. */
    @Test
    void tamperedFrameFailsTheStepWithAClearError() throws Exception {
        List<ServerSocketChannel> servers = fixture.servers(2);
        String a0 = address(servers.get(0));
        String a1 = address(servers.get(1));
        // past the handshake (about 120 bytes) and the first header: inside the first segment of floats
        TcpRelay tamper = relay(a1, false, 10_000);
        var rank0 = fixture.openAsync(rank(0, a0, tamper.address(), true), servers.get(0));
        var rank1 = fixture.openAsync(rank(1, a1, a0, true), servers.get(1));
        List<RingCollective> rings = List.of(rank0.get(), rank1.get());
        var outcomes = Ranks.outcomes(
                rings,
                c -> {
                    c.allReduceSum(new float[100_000]);
                    return null;
                },
                Duration.ofSeconds(30));
        assertThat(outcomes.get(1).failure())
                .isInstanceOf(CollectiveException.class)
                .hasMessageContainingAll(
                        "rank 1/2", "allReduceSum #1", "from rank 0", "failed its integrity check", "altered");
        assertThat(((CollectiveException) outcomes.get(1).failure()).peerRank()).isZero();
        assertThat(outcomes.get(0).failure()).as("rank 0 sees rank 1 give up").isInstanceOf(CollectiveException.class);
    }

    /** The same flipped byte with sealing off goes unnoticed and changes the sum: what the seal is for. */
    @Test
    void withoutSealsTheSameTamperingGoesUnnoticed() throws Exception {
        List<ServerSocketChannel> servers = fixture.servers(2);
        String a0 = address(servers.get(0));
        String a1 = address(servers.get(1));
        TcpRelay tamper = relay(a1, false, 10_000);
        var rank0 = fixture.openAsync(rank(0, a0, tamper.address(), false), servers.get(0));
        var rank1 = fixture.openAsync(rank(1, a1, a0, false), servers.get(1));
        List<RingCollective> rings = List.of(rank0.get(), rank1.get());
        float[][] inputs = {new float[100_000], new float[100_000]};
        java.util.Arrays.fill(inputs[0], 1f);
        java.util.Arrays.fill(inputs[1], 2f);
        List<float[]> sums = Ranks.each(rings, c -> {
            float[] v = inputs[c.rank()].clone();
            c.allReduceSum(v);
            return v;
        });
        assertThat(sums.get(1)).isNotEqualTo(RingCollective.referenceSum(inputs));
    }

    /** With sealing on, every operation gives every rank the same bytes as without it: the reference sums. */
    @Test
    void sealedRingGivesTheReferenceResultForEveryOperation() {
        List<RingCollective> rings = fixture.closeAfter(RingCollective.openLoopback(3, CONNECT, IO, 16 << 10, true));
        int n = 50_003; // several segments per chunk, chunks of unequal length
        float[][] inputs = new float[3][n];
        java.util.Random random = new java.util.Random(11);
        for (float[] row : inputs) {
            for (int i = 0; i < n; i++) {
                row[i] = (float) random.nextGaussian() * 1e3f;
            }
        }
        float[] reference = RingCollective.referenceSum(inputs);
        List<float[]> arrays = Ranks.each(rings, c -> {
            float[] v = inputs[c.rank()].clone();
            c.allReduceSum(v);
            return v;
        });
        assertThat(arrays).allSatisfy(v -> assertThat(v).containsExactly(reference));
        List<float[]> direct = Ranks.each(rings, c -> {
            java.nio.ByteBuffer bytes =
                    java.nio.ByteBuffer.allocateDirect(n * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(inputs[c.rank()]);
            c.allReduceSumLittleEndian(bytes);
            float[] v = new float[n];
            bytes.asFloatBuffer().get(v);
            return v;
        });
        assertThat(direct).allSatisfy(v -> assertThat(v).containsExactly(reference));
        List<float[]> broadcast = Ranks.each(rings, c -> {
            java.nio.FloatBuffer v = java.nio.FloatBuffer.wrap(inputs[c.rank()].clone());
            c.broadcast(v, 2);
            return v.array();
        });
        assertThat(broadcast).allSatisfy(v -> assertThat(v).containsExactly(inputs[2]));
        List<byte[][]> gathered = Ranks.each(rings, c -> c.allGather(new byte[] {(byte) c.rank(), 7}));
        assertThat(gathered).allSatisfy(g -> assertThat(g).isDeepEqualTo(new byte[][] {{0, 7}, {1, 7}, {2, 7}}));
        assertThat(Ranks.each(rings, c -> {
                    c.barrier();
                    return c.allReduceSum(0.1 * (c.rank() + 1));
                }))
                .containsOnly(RingCollective.exactSum(new double[] {0.1, 0.2, 0.30000000000000004}));
    }
}
