package redispark.dist;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joining the ring: listen, advertise, then dial the successor while accepting the predecessor ({@link RingAcceptor},
 * since every rank does both at once), authenticating each link with {@link Handshake}; every step is bounded by the
 * connect deadline, every handshake by its own shorter one. Nothing an unauthenticated peer sends ends this rank's
 * dialling or accepting early. Reached through the public methods of {@link RingCollective}.
 */
final class RingSetup {

    private static final Logger LOG = LoggerFactory.getLogger(RingSetup.class);

    private RingSetup() {}

    /**
     * Binds a listening socket for the ring on {@code bindHost} (an address or host name: the interface peers reach
     * this rank on, {@code 127.0.0.1} when all ranks share one machine; {@code "0.0.0.0"} opens it on every
     * interface) and {@code port} (0 picks a free one). Publish {@link RingCollective#advertise} of it, then pass it
     * to {@link RingCollective#open}.
     */
    static ServerSocketChannel listen(String bindHost, int port) {
        try {
            ServerSocketChannel server = ServerSocketChannel.open();
            try {
                server.bind(new InetSocketAddress(bindHost, port), 64);
                return server;
            } catch (IOException | RuntimeException e) {
                server.close();
                throw e;
            }
        } catch (IOException e) {
            throw new CollectiveException("cannot listen on " + bindHost + ":" + port + ": " + e, -1, "listen", e);
        }
    }

    /**
     * The {@code host:port} peers should dial to reach {@code server}: {@code advertiseHost} (e.g. the executor's
     * host name) when given, else the bound address; IPv6 literals are bracketed.
     */
    static String advertise(ServerSocketChannel server, String advertiseHost) {
        try {
            InetSocketAddress bound = (InetSocketAddress) server.getLocalAddress();
            String host = advertiseHost;
            if (host == null || host.isEmpty()) {
                InetAddress a = bound.getAddress();
                host = a.isAnyLocalAddress() ? InetAddress.getLocalHost().getHostAddress() : a.getHostAddress();
            }
            if (host.contains(":") && !host.startsWith("[")) {
                host = "[" + host + "]";
            }
            return host + ":" + bound.getPort();
        } catch (IOException e) {
            throw new CollectiveException("cannot read the bound address: " + e, -1, "listen", e);
        }
    }

    /**
     * Joins the ring: dials the successor (retrying until the connect deadline, since it may not listen yet) while
     * accepting the predecessor on {@code server}, and authenticates both links. Takes ownership of {@code server}
     * and closes it once the predecessor is in (or on failure). With a world of one, returns at once.
     *
     * @throws CollectiveException on timeout, interruption or a refused handshake (wrong secret, run, attempt, rank)
     */
    static RingCollective open(Rendezvous rv, ServerSocketChannel server) {
        Objects.requireNonNull(rv, "rv");
        Objects.requireNonNull(server, "server");
        long started = System.nanoTime();
        long deadline = started + rv.connectTimeout().toNanos();
        if (rv.worldSize() == 1) {
            Io.closeQuietly(server);
            try {
                return new RingCollective(rv, List.of(), List.of());
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
        RingAcceptor acceptor = new RingAcceptor(server, rv, deadline, describe(rv));
        List<Handshake.Link> out = new ArrayList<>();
        List<Handshake.Link> in = List.of();
        boolean opened = false;
        try {
            try {
                for (int link = 0; link < rv.links(); link++) {
                    out.add(connectNext(rv, link, deadline));
                }
            } catch (CollectiveException connectFailure) {
                throw clearerOf(connectFailure, acceptor, deadline);
            }
            in = acceptor.await();
            RingCollective ring = new RingCollective(rv, out, in);
            opened = true;
            LOG.info(
                    "{} joined the ring in {} ms: sends to rank {} at {}, receives from rank {}, {} link(s), {} wire,"
                            + " frames {}",
                    ring,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                    rv.next(),
                    rv.peers().get(rv.next()),
                    rv.previous(),
                    rv.links(),
                    rv.wireFormat().label(),
                    rv.sealFrames() ? "sealed" : "not sealed");
            return ring;
        } catch (RuntimeException | IOException e) {
            out.forEach(link -> Io.closeQuietly(link.channel()));
            in.forEach(link -> Io.closeQuietly(link.channel()));
            if (e instanceof CollectiveException ce) {
                throw ce;
            }
            throw new CollectiveException(describe(rv) + ": cannot open the ring: " + e, -1, "open", e);
        } finally {
            acceptor.stop(!opened);
            Io.closeQuietly(server);
        }
    }

    /**
     * When dialling failed, this rank's own acceptor often holds the fuller reason (what the refused peer claimed:
     * its run, attempt, rank; or that it refused this rank's proof): wait up to a second for one and add it. The
     * acceptor's refusals only ever add detail to a failure; they never end this rank's dialling themselves.
     */
    private static CollectiveException clearerOf(
            CollectiveException connectFailure, RingAcceptor acceptor, long deadline) {
        long until = System.nanoTime() + Math.min(deadline - System.nanoTime(), TimeUnit.SECONDS.toNanos(1));
        while (acceptor.firstRefusal() == null && !acceptor.isDone() && System.nanoTime() < until) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        HandshakeRefusedException local = acceptor.firstRefusal();
        if (local == null) {
            return connectFailure;
        }
        HandshakeRefusedException clearer = new HandshakeRefusedException(
                connectFailure.getMessage() + "; meanwhile " + local.getMessage(),
                connectFailure.peerRank(),
                connectFailure.operation());
        clearer.addSuppressed(connectFailure);
        return clearer;
    }

    private static String describe(Rendezvous rv) {
        return "rank " + rv.rank() + "/" + rv.worldSize() + " (run '" + rv.runId() + "' attempt " + rv.attempt() + ")";
    }

    /**
     * Dials the successor and runs the handshake, each try under its own {@link RingAcceptor#HANDSHAKE_TIMEOUT}.
     * A transport failure in the handshake (the peer dropped the connection, reset, timed out) dials again until the
     * deadline; a refusal or a peer that cannot prove the secret ends it at once, and so does a port that refuses
     * connections after it once accepted one (the successor stopped listening: it failed or gave up).
     */
    private static Handshake.Link connectNext(Rendezvous rv, int link, long deadline) {
        int next = rv.next();
        String what = describe(rv) + ": connect to rank " + next + " at "
                + rv.peers().get(next) + (rv.links() > 1 ? " (link " + link + ")" : "");
        Io.Blame blame = (problem, cause) -> new CollectiveException(what + ": " + problem, next, "connect", cause);
        boolean reached = false;
        CollectiveException lastHandshakeFailure = null;
        long backoffMillis = 10;
        while (true) {
            SocketChannel ch;
            try {
                ch = Io.connect(rv.address(next), deadline, blame, reached);
            } catch (CollectiveException e) {
                if (lastHandshakeFailure != null) {
                    e.addSuppressed(lastHandshakeFailure);
                }
                throw e;
            }
            reached = true;
            long until = Math.min(deadline, System.nanoTime() + RingAcceptor.HANDSHAKE_TIMEOUT.toNanos());
            try {
                return Handshake.connect(ch, rv, link, until, blame);
            } catch (HandshakeRefusedException e) {
                Io.closeQuietly(ch);
                throw e;
            } catch (CollectiveException e) {
                Io.closeQuietly(ch);
                if (e.getCause() instanceof InterruptedException || System.nanoTime() >= deadline) {
                    throw e;
                }
                lastHandshakeFailure = e;
                LOG.info("{}; dialling again", e.getMessage());
            } catch (RuntimeException e) {
                Io.closeQuietly(ch);
                throw e;
            }
            long sleep = Math.min(backoffMillis, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            if (sleep > 0) {
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw blame.fail("interrupted while connecting", e);
                }
            }
            backoffMillis = Math.min(backoffMillis * 2, 500);
        }
    }

    /**
     * Opens a ring of {@code worldSize} ranks on 127.0.0.1 inside this JVM (one thread per rank while connecting):
     * for tests, benchmarks and equivalence checks. Element i of the result is rank i; close each one.
     */
    static List<RingCollective> openLoopback(
            int worldSize,
            Duration connectTimeout,
            Duration ioTimeout,
            int segmentBytes,
            boolean sealFrames,
            int links,
            WireFormat wire) {
        List<ServerSocketChannel> servers = new ArrayList<>();
        List<String> peers = new ArrayList<>();
        try {
            for (int r = 0; r < worldSize; r++) {
                ServerSocketChannel s = listen("127.0.0.1", 0);
                servers.add(s);
                peers.add(advertise(s, "127.0.0.1"));
            }
        } catch (RuntimeException e) {
            servers.forEach(Io::closeQuietly);
            throw e;
        }
        byte[] secret = Rendezvous.newSecret();
        List<CompletableFuture<RingCollective>> opening = new ArrayList<>();
        for (int r = 0; r < worldSize; r++) {
            Rendezvous rv = new Rendezvous(
                    r,
                    worldSize,
                    peers,
                    secret,
                    "loopback",
                    0,
                    connectTimeout,
                    ioTimeout,
                    segmentBytes,
                    sealFrames,
                    links,
                    wire);
            ServerSocketChannel server = servers.get(r);
            CompletableFuture<RingCollective> f = new CompletableFuture<>();
            Thread t = new Thread(
                    () -> {
                        try {
                            f.complete(open(rv, server));
                        } catch (Throwable e) {
                            f.completeExceptionally(e);
                        }
                    },
                    "ring-open-rank" + r);
            t.setDaemon(true);
            t.start();
            opening.add(f);
        }
        List<RingCollective> rings = new ArrayList<>();
        RuntimeException failure = null;
        for (CompletableFuture<RingCollective> f : opening) {
            try {
                rings.add(f.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = new CollectiveException("interrupted while opening a loopback ring", -1, "open", e);
                break;
            } catch (ExecutionException e) {
                failure = e.getCause() instanceof RuntimeException re
                        ? re
                        : new CollectiveException("opening a loopback ring failed", -1, "open", e.getCause());
            }
        }
        if (failure != null) {
            rings.forEach(RingCollective::close);
            opening.forEach(f -> f.thenAccept(RingCollective::close));
            throw failure;
        }
        return rings;
    }
}
