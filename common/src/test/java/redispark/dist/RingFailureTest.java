package redispark.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static redispark.dist.RingFixture.SECRET;

import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** Dead, stalled, misconfigured and foreign peers fail fast and clearly; nothing hangs. */
class RingFailureTest {

    private static final Duration SHORT = Duration.ofMillis(1500);
    private static final double SLACK_SECONDS = 1.5;

    @AutoClose
    private final RingFixture fixture = new RingFixture();

    private static Rendezvous rendezvous(
            int rank, List<String> peers, byte[] secret, String run, int attempt, Duration connect, Duration io) {
        return new Rendezvous(rank, peers.size(), peers, secret, run, attempt, connect, io, 64 << 10);
    }

    /** Opens each given rendezvous on its own thread (as the tasks of a barrier stage would). */
    private List<Ranks.Outcome<RingCollective>> openAll(List<Rendezvous> rvs, List<ServerSocketChannel> servers) {
        List<Integer> ranks = new ArrayList<>();
        for (int i = 0; i < rvs.size(); i++) {
            ranks.add(i);
        }
        List<Ranks.Outcome<RingCollective>> outcomes =
                Ranks.outcomes(ranks, i -> RingCollective.open(rvs.get(i), servers.get(i)), Duration.ofSeconds(30));
        outcomes.forEach(o -> {
            if (o.value() != null) {
                fixture.closeAfter(o.value());
            }
        });
        return outcomes;
    }

    private List<RingCollective> ring(int world, Duration io, int segmentBytes) {
        return fixture.closeAfter(RingCollective.openLoopback(world, Duration.ofSeconds(20), io, segmentBytes));
    }

    /**
     * Opens rank 0 (the run secret, {@code run0}, attempt 0) and rank 1 ({@code secret1}, {@code run1},
     * {@code attempt1}) of one 2-rank ring, each on its own thread.
     */
    private List<Ranks.Outcome<RingCollective>> openPair(byte[] secret1, String run0, String run1, int attempt1) {
        List<ServerSocketChannel> servers = fixture.servers(2);
        List<String> peers = RingFixture.peers(servers);
        Duration connect = Duration.ofSeconds(10);
        return openAll(
                List.of(
                        rendezvous(0, peers, SECRET, run0, 0, connect, SHORT),
                        rendezvous(1, peers, secret1, run1, attempt1, connect, SHORT)),
                servers);
    }

    private static CollectiveException failure(Ranks.Outcome<?> o) {
        assertThat(o.failure()).as("expected a failure, got %s", o.value()).isInstanceOf(CollectiveException.class);
        return (CollectiveException) o.failure();
    }

    // ------------------------------------------------------------------------------------------- handshake

    @Test
    void wrongSecretIsRefused() {
        byte[] other = SECRET.clone();
        other[0] ^= 1;
        var outcomes = openPair(other, "run", "run", 0);
        for (var o : outcomes) {
            assertThat(failure(o)).hasMessageContaining("secret");
            assertThat(o.seconds()).as("refused at once, not at the timeout").isLessThan(5);
        }
    }

    @Test
    void peerFromAnotherAttemptIsRefused() {
        var outcomes = openPair(SECRET, "run-7", "run-7", 1);
        for (var o : outcomes) {
            assertThat(failure(o)).hasMessageContainingAll("attempt 0", "attempt 1");
            assertThat(o.seconds()).isLessThan(5);
        }
    }

    @Test
    void peerFromAnotherRunIsRefused() {
        var outcomes = openPair(SECRET, "run-a", "run-b", 0);
        for (var o : outcomes) {
            assertThat(failure(o)).hasMessageContainingAll("run-a", "run-b");
        }
    }

    @Test
    void staleTaskFromAnEarlierAttemptIsRefusedWithoutBreakingTheRing() throws Exception {
        List<ServerSocketChannel> servers = fixture.servers(2);
        List<String> peers = RingFixture.peers(servers);
        Duration connect = Duration.ofSeconds(10);
        Rendezvous fresh0 = rendezvous(0, peers, SECRET, "run", 1, connect, SHORT);
        Rendezvous fresh1 = rendezvous(1, peers, SECRET, "run", 1, connect, SHORT);
        CompletableFuture<RingCollective> rank1 =
                CompletableFuture.supplyAsync(() -> RingCollective.open(fresh1, servers.get(1)));
        // a zombie rank 0 of attempt 0 dials rank 1 first
        Rendezvous stale0 = rendezvous(0, peers, SECRET, "run", 0, connect, SHORT);
        long deadline = System.nanoTime() + connect.toNanos();
        Io.Blame blame = (p, c) -> new CollectiveException("stale rank 0: " + p, 1, "t", c);
        SocketChannel zombie = fixture.closeAfter(Io.connect(stale0.address(1), deadline, blame));
        // the zombie learns it was refused, and nothing about the run it reached (no run id, no attempt)
        assertThatThrownBy(() -> Handshake.connect(zombie, stale0, deadline, blame))
                .isInstanceOf(HandshakeRefusedException.class)
                .hasMessageContainingAll("refused rank 0 of run 'run' attempt 0", "not a member")
                .hasMessageNotContaining("attempt 1");
        RingCollective r0 = fixture.closeAfter(RingCollective.open(fresh0, servers.get(0)));
        RingCollective r1 = fixture.closeAfter(rank1.get(10, TimeUnit.SECONDS));
        assertThat(Ranks.each(List.of(r0, r1), c -> c.allReduceSum(2.0))).containsOnly(4.0);
    }

    @Test
    void peerReachingTheWrongRankIsRefused() throws Exception {
        ServerSocketChannel server = fixture.servers(1).get(0);
        String address = RingFixture.address(server);
        List<String> peers = List.of(address, address, address);
        Rendezvous rank1 = rendezvous(1, peers, SECRET, "run", 0, SHORT, SHORT);
        Rendezvous rank2 = rendezvous(2, peers, SECRET, "run", 0, SHORT, SHORT);
        long deadline = System.nanoTime() + SHORT.toNanos();
        CompletableFuture<Void> accepting = CompletableFuture.runAsync(() -> {
            try (SocketChannel ch = server.accept()) {
                Io.configure(ch);
                Handshake.accept(ch, rank1, deadline, (p, c) -> new CollectiveException("rank 1: " + p, 2, "t", c));
            } catch (java.io.IOException e) {
                throw new RuntimeException(e);
            }
        });
        // rank 2 dials what it believes is rank 0 (its successor), but the address is rank 1's
        SocketChannel ch = fixture.closeAfter(
                Io.connect(rank2.address(0), deadline, (p, c) -> new CollectiveException("rank 2: " + p, 0, "t", c)));
        // the dialler only learns that it was refused; the acceptor's own error says why
        assertThatThrownBy(() -> Handshake.connect(
                        ch, rank2, deadline, (p, c) -> new CollectiveException("rank 2: " + p, 0, "t", c)))
                .isInstanceOf(HandshakeRefusedException.class)
                .hasMessageContaining("not a member");
        assertThatThrownBy(() -> accepting.get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(CollectiveException.class)
                .hasMessageContaining("meant to reach rank 0 but reached rank 1");
    }

    @Test
    void foreignConnectionIsIgnoredAndTheRingStillOpens() throws Exception {
        List<ServerSocketChannel> servers = fixture.servers(2);
        List<String> peers = RingFixture.peers(servers);
        try (SocketChannel stranger = SocketChannel.open(servers.get(1).getLocalAddress())) {
            stranger.write(ByteBuffer.wrap("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            var outcomes = openAll(
                    List.of(
                            rendezvous(0, peers, SECRET, "run", 0, SHORT, SHORT),
                            rendezvous(1, peers, SECRET, "run", 0, SHORT, SHORT)),
                    servers);
            List<RingCollective> rings =
                    outcomes.stream().map(Ranks.Outcome::value).toList();
            assertThat(rings).doesNotContainNull();
            List<Double> sums = Ranks.each(rings, c -> c.allReduceSum(c.rank() + 1.0));
            assertThat(sums).containsOnly(3.0);
        }
    }

    // ------------------------------------------------------------------------------------------- set-up

    @Test
    void rankThatNeverJoinsFailsOpenWithinTheConnectTimeout() {
        List<ServerSocketChannel> servers = fixture.servers(3); // rank 2 listens but never opens the ring
        List<String> peers = RingFixture.peers(servers);
        var outcomes = openAll(
                List.of(
                        rendezvous(0, peers, SECRET, "run", 0, SHORT, SHORT),
                        rendezvous(1, peers, SECRET, "run", 0, SHORT, SHORT)),
                servers);
        for (var o : outcomes) {
            CollectiveException e = failure(o);
            assertThat(e.peerRank()).isEqualTo(2);
            assertThat(e).hasMessageContaining("rank 2");
            assertThat(o.seconds()).isLessThan(SHORT.toMillis() / 1000.0 + SLACK_SECONDS);
        }
    }

    @Test
    void rankWhosePortRefusesConnectionsFailsOpenWithinTheConnectTimeout() throws Exception {
        List<ServerSocketChannel> servers = fixture.servers(2);
        ServerSocketChannel gone = RingCollective.listen("127.0.0.1", 0);
        String goneAddress = RingCollective.advertise(gone, "127.0.0.1");
        gone.close();
        List<String> peers = new ArrayList<>(RingFixture.peers(servers));
        peers.add(goneAddress);
        var outcomes = openAll(
                List.of(
                        rendezvous(0, peers, SECRET, "run", 0, SHORT, SHORT),
                        rendezvous(1, peers, SECRET, "run", 0, SHORT, SHORT)),
                servers);
        CollectiveException dialer = failure(outcomes.get(1));
        assertThat(dialer.peerRank()).isEqualTo(2);
        assertThat(dialer).hasMessageContainingAll("connect to rank 2", "could not connect");
        for (var o : outcomes) {
            failure(o);
            assertThat(o.seconds()).isLessThan(SHORT.toMillis() / 1000.0 + SLACK_SECONDS);
        }
    }

    @Test
    void interruptingOpenFailsPromptlyAndKeepsTheInterruptFlag() {
        List<ServerSocketChannel> servers = fixture.servers(2); // rank 1 never opens
        List<String> peers = RingFixture.peers(servers);
        Rendezvous rank0 = rendezvous(0, peers, SECRET, "run", 0, Duration.ofSeconds(20), SHORT);
        var outcomes = Ranks.outcomes(
                List.of(rank0),
                rv -> {
                    RingFixture.interruptMeIn(200);
                    try {
                        RingCollective.open(rv, servers.get(0)).close();
                        return false;
                    } catch (CollectiveException e) {
                        assertThat(e).hasMessageContaining("interrupted");
                        return Thread.currentThread().isInterrupted();
                    }
                },
                Duration.ofSeconds(30));
        assertThat(outcomes.get(0).value()).as("interrupt flag kept").isTrue();
        assertThat(outcomes.get(0).seconds()).isLessThan(2);
    }

    @Test
    void failedOpenLeavesNoThreadsBehind() throws Exception {
        List<ServerSocketChannel> servers = fixture.servers(2);
        List<String> peers = RingFixture.peers(servers);
        byte[] other = SECRET.clone();
        other[5] ^= 1;
        openAll(
                List.of(
                        rendezvous(0, peers, SECRET, "run", 0, SHORT, SHORT),
                        rendezvous(1, peers, other, "run", 0, SHORT, SHORT)),
                servers);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() < deadline && ringThreads() > 0) {
            Thread.sleep(20);
        }
        assertThat(ringThreads()).isZero();
    }

    private static long ringThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("ring-accept") && t.isAlive())
                .peek(t -> assertThat(t.isDaemon()).isTrue())
                .count();
    }

    // ------------------------------------------------------------------------------------------- operations

    @Test
    void stalledPeerTimesOutNamingItWithinTheIoTimeout() {
        Duration io = Duration.ofSeconds(1);
        List<RingCollective> rings = ring(3, io, 64 << 10);
        var outcomes = Ranks.outcomes(
                rings,
                c -> {
                    if (c.rank() == 1) {
                        Thread.sleep(io.toMillis() + 2500); // alive, sockets open, but never calls
                        return null;
                    }
                    c.allReduceSum(new float[1000]);
                    return null;
                },
                Duration.ofSeconds(30));
        CollectiveException downstream = failure(outcomes.get(2));
        assertThat(downstream.peerRank()).isEqualTo(1);
        assertThat(downstream)
                .hasMessageContainingAll(
                        "rank 2/3", "allReduceSum #1 (1000 floats)", "no data from rank 1", "ioTimeout");
        assertThat(outcomes.get(2).seconds()).isBetween(0.9, 1 + SLACK_SECONDS);
        CollectiveException upstream = failure(outcomes.get(0));
        assertThat(upstream.peerRank()).isEqualTo(2); // rank 2 gave up and closed; rank 0 sees it at once
        assertThat(outcomes.get(0).seconds()).isLessThan(1 + SLACK_SECONDS);
    }

    @Test
    void rankThatClosesMidOperationFailsTheOthersPromptly() {
        Duration io = Duration.ofSeconds(20); // a prompt failure cannot come from the timeout
        List<RingCollective> rings = ring(3, io, 16); // tiny segments: the call takes long enough to be cut
        RingCollective victim = rings.get(1);
        Thread killer = new Thread(() -> {
            try {
                Thread.sleep(150);
            } catch (InterruptedException e) {
                return;
            }
            victim.close();
        });
        killer.setDaemon(true);
        killer.start();
        var outcomes = Ranks.outcomes(
                rings,
                c -> {
                    c.allReduceSum(new float[2_000_000]);
                    return null;
                },
                Duration.ofSeconds(30));
        assertThat(failure(outcomes.get(1))).hasMessageContaining("close() was called");
        // its neighbours notice first (EOF, reset) and close in turn; each error names the peer it saw fail
        assertThat(List.of(
                        failure(outcomes.get(0)).peerRank(),
                        failure(outcomes.get(2)).peerRank()))
                .contains(1);
        for (var o : outcomes) {
            assertThat(o.seconds()).isLessThan(5);
        }
    }

    @Test
    void mismatchedCallsFailNamingBothCalls() {
        List<RingCollective> rings = ring(2, SHORT, 64 << 10);
        var outcomes = Ranks.outcomes(
                rings,
                c -> {
                    c.allReduceSum(new float[c.rank() == 0 ? 10 : 20]);
                    return null;
                },
                Duration.ofSeconds(30));
        assertThat(failure(outcomes.get(0)))
                .hasMessageContainingAll(
                        "allReduceSum #1 (10 floats)", "rank 1 made a different call", "allReduceSum #1 (20 floats)");
        assertThat(failure(outcomes.get(1)))
                .hasMessageContainingAll("allReduceSum #1 (20 floats)", "allReduceSum #1 (10 floats)");
    }

    @Test
    void rankRunningOneStepMoreFailsInsteadOfHanging() {
        List<RingCollective> rings = ring(2, Duration.ofSeconds(20), 64 << 10);
        var outcomes = Ranks.outcomes(
                rings,
                c -> {
                    int steps = c.rank() == 0 ? 3 : 2;
                    for (int s = 0; s < steps; s++) {
                        c.allReduceSum(new float[5]);
                    }
                    if (c.rank() == 1) {
                        c.barrier(); // rank 1 moved on to the end-of-epoch barrier
                    }
                    return null;
                },
                Duration.ofSeconds(30));
        assertThat(failure(outcomes.get(0))).hasMessageContainingAll("allReduceSum #3", "barrier #3");
        assertThat(outcomes.get(0).seconds()).isLessThan(5);
    }

    @Test
    void interruptingTheCallerFailsPromptlyAndKeepsTheInterruptFlag() {
        List<RingCollective> rings = ring(2, Duration.ofSeconds(20), 64 << 10);
        var outcomes = Ranks.outcomes(
                List.of(rings.get(0)),
                c -> {
                    RingFixture.interruptMeIn(200);
                    try {
                        c.allReduceSum(new float[100]); // rank 1 never calls
                        return false;
                    } catch (CollectiveException e) {
                        assertThat(e)
                                .hasMessageContaining("interrupted")
                                .hasCauseInstanceOf(InterruptedException.class);
                        return Thread.currentThread().isInterrupted();
                    }
                },
                Duration.ofSeconds(30));
        assertThat(outcomes.get(0).value()).as("interrupt flag kept").isTrue();
        assertThat(outcomes.get(0).seconds()).isLessThan(2);
    }

    @Test
    void callsAfterAFailureFailAtOnce() {
        List<RingCollective> rings = ring(2, Duration.ofMillis(300), 64 << 10);
        RingCollective r0 = rings.get(0);
        assertThatThrownBy(() -> r0.allReduceSum(new float[3])).isInstanceOf(CollectiveException.class);
        long start = System.nanoTime();
        assertThatThrownBy(() -> r0.allReduceSum(new float[3]))
                .isInstanceOf(CollectiveException.class)
                .hasMessageContaining("already failed");
        assertThatThrownBy(() -> r0.barrier()).isInstanceOf(CollectiveException.class);
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.MILLISECONDS.toNanos(250));
    }

    @Test
    void closeIsIdempotentAndLaterCallsFail() {
        List<RingCollective> rings = ring(2, SHORT, 64 << 10);
        RingCollective r0 = rings.get(0);
        r0.close();
        r0.close();
        assertThat(r0.isClosed()).isTrue();
        assertThatThrownBy(() -> r0.allReduceSum(1.0))
                .isInstanceOf(CollectiveException.class)
                .hasMessageContaining("closed ring");
    }
}
