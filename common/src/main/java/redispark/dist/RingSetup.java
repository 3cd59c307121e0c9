package redispark.dist;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joining the ring: listen, advertise, then dial the successor while accepting the predecessor (on a daemon thread,
 * since every rank does both at once), authenticating each link with {@link Handshake}; every step is bounded by the
 * connect deadline. Reached through the public methods of {@link RingCollective}.
 */
final class RingSetup {

    private static final Logger LOG = LoggerFactory.getLogger(RingSetup.class);

    private RingSetup() {}

    /**
     * Binds a listening socket for the ring on {@code bindHost} ({@code "0.0.0.0"} for every interface) and
     * {@code port} (0 picks a free one). Publish {@link RingCollective#advertise} of it, then pass it to {@link RingCollective#open}.
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
                return new RingCollective(rv, null, null);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
        CompletableFuture<SocketChannel> accepted = new CompletableFuture<>();
        List<HandshakeRefusedException> refusals = new CopyOnWriteArrayList<>();
        Thread acceptor = new Thread(
                () -> {
                    try {
                        accepted.complete(acceptPrevious(server, rv, deadline, refusals));
                    } catch (Throwable t) {
                        accepted.completeExceptionally(t);
                    }
                },
                "ring-accept-rank" + rv.rank());
        acceptor.setDaemon(true);
        acceptor.start();
        SocketChannel out = null;
        SocketChannel in = null;
        try {
            try {
                out = connectNext(rv, deadline, () -> refusals.isEmpty() ? null : refusals.get(0));
            } catch (CollectiveException connectFailure) {
                throw clearerOf(connectFailure, accepted, refusals, deadline);
            }
            in = awaitAccepted(rv, accepted, deadline);
            RingCollective ring = new RingCollective(rv, out, in);
            LOG.info(
                    "{} joined the ring in {} ms: sends to rank {} at {}, receives from rank {}",
                    ring,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                    rv.next(),
                    rv.peers().get(rv.next()),
                    rv.previous());
            return ring;
        } catch (RuntimeException | IOException e) {
            acceptor.interrupt();
            accepted.thenAccept(Io::closeQuietly);
            Io.closeQuietly(out);
            Io.closeQuietly(in);
            if (e instanceof CollectiveException ce) {
                throw ce;
            }
            throw new CollectiveException(describe(rv) + ": cannot open the ring: " + e, -1, "open", e);
        } finally {
            Io.closeQuietly(server);
        }
    }

    /**
     * When dialling failed on a transport error (reset, EOF, timeout), the accepting side often holds the real reason
     * (a refusal: wrong secret, attempt, run, rank); wait up to a second for one and prefer it.
     */
    private static CollectiveException clearerOf(
            CollectiveException connectFailure,
            CompletableFuture<SocketChannel> accepted,
            List<HandshakeRefusedException> refusals,
            long deadline) {
        if (connectFailure instanceof HandshakeRefusedException) {
            return connectFailure;
        }
        long until = System.nanoTime() + Math.min(deadline - System.nanoTime(), TimeUnit.SECONDS.toNanos(1));
        while (refusals.isEmpty() && !accepted.isDone() && System.nanoTime() < until) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        CollectiveException clearer = refusals.isEmpty() ? null : refusals.get(0);
        if (clearer == null && accepted.isCompletedExceptionally()) {
            Throwable t = accepted.handle((ch, e) -> e).join();
            if (t instanceof HandshakeRefusedException refused) {
                clearer = refused;
            }
        }
        if (clearer == null) {
            return connectFailure;
        }
        clearer.addSuppressed(connectFailure);
        return clearer;
    }

    private static String describe(Rendezvous rv) {
        return "rank " + rv.rank() + "/" + rv.worldSize() + " (run '" + rv.runId() + "' attempt " + rv.attempt() + ")";
    }

    private static SocketChannel connectNext(
            Rendezvous rv, long deadline, java.util.function.Supplier<? extends RuntimeException> abort) {
        int next = rv.next();
        String what =
                describe(rv) + ": connect to rank " + next + " at " + rv.peers().get(next);
        Io.Blame blame = (problem, cause) -> new CollectiveException(what + ": " + problem, next, "connect", cause);
        // Retrying stops once this rank's own acceptor has refused a peer: the rendezvous is broken (wrong secret,
        // run or attempt) and the peer that would accept our connection is gone.
        SocketChannel ch = Io.connect(rv.address(next), deadline, blame, abort);
        try {
            Handshake.connect(ch, rv, deadline, blame);
            return ch;
        } catch (RuntimeException e) {
            Io.closeQuietly(ch);
            throw e;
        }
    }

    /**
     * Accepts until the predecessor proves itself or the deadline passes. Foreign clients are skipped; peers of this
     * protocol that do not match (another attempt's stale task, a wrong secret, the wrong rank) are refused, told
     * why, recorded in {@code refusals}, and the wait goes on: a stale peer must not break a fresh attempt.
     */
    private static SocketChannel acceptPrevious(
            ServerSocketChannel server, Rendezvous rv, long deadline, List<HandshakeRefusedException> refusals)
            throws IOException {
        int previous = rv.previous();
        String what = describe(rv) + ": accept rank " + previous;
        List<String> ignored = new ArrayList<>();
        server.configureBlocking(false);
        try (Selector accepting = Selector.open()) {
            server.register(accepting, SelectionKey.OP_ACCEPT);
            while (true) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new CollectiveException(
                            what + ": interrupted", previous, "accept", new InterruptedException());
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    String message =
                            what + ": rank " + previous + " (" + rv.peers().get(previous)
                                    + ") did not connect within "
                                    + Io.seconds(rv.connectTimeout().toNanos())
                                    + (refusals.isEmpty()
                                            ? ""
                                            : "; refused: "
                                                    + refusals.stream()
                                                            .map(Throwable::getMessage)
                                                            .toList())
                                    + (ignored.isEmpty() ? "" : "; ignored foreign connections: " + ignored);
                    throw refusals.isEmpty()
                            ? new CollectiveException(message, previous, "accept")
                            : new HandshakeRefusedException(message, previous, "accept");
                }
                accepting.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                accepting.selectedKeys().clear();
                SocketChannel ch = server.accept();
                if (ch == null) {
                    continue;
                }
                String remote = String.valueOf(ch.getRemoteAddress());
                Io.Blame blame = (problem, cause) -> new CollectiveException(
                        what + " (connection from " + remote + "): " + problem, previous, "accept", cause);
                try {
                    Io.configure(ch);
                    Handshake.accept(ch, rv, deadline, blame);
                    return ch;
                } catch (Handshake.Foreign f) {
                    Io.closeQuietly(ch);
                    ignored.add(remote + ": " + f.getMessage());
                    LOG.warn(
                            "{}: ignored a connection from {} that does not speak the ring protocol: {}",
                            what,
                            remote,
                            f.getMessage());
                } catch (HandshakeRefusedException refused) {
                    Io.closeQuietly(ch);
                    refusals.add(refused);
                    LOG.warn("{}; still waiting for rank {}", refused.getMessage(), previous);
                } catch (RuntimeException | IOException e) {
                    Io.closeQuietly(ch);
                    throw e;
                }
            }
        }
    }

    private static SocketChannel awaitAccepted(
            Rendezvous rv, CompletableFuture<SocketChannel> accepted, long deadline) {
        int previous = rv.previous();
        try {
            // the acceptor enforces the deadline itself; the slack only guards against a lost wake-up
            long left = Math.max(0, deadline - System.nanoTime()) + TimeUnit.SECONDS.toNanos(2);
            return accepted.get(left, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException(
                    describe(rv) + ": interrupted while waiting for rank " + previous + " to connect",
                    previous,
                    "accept",
                    e);
        } catch (TimeoutException e) {
            throw new CollectiveException(
                    describe(rv) + ": rank " + previous + " did not connect in time", previous, "accept", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof CollectiveException ce) {
                throw ce;
            }
            throw new CollectiveException(
                    describe(rv) + ": accepting rank " + previous + " failed: " + e.getCause(),
                    previous,
                    "accept",
                    e.getCause());
        }
    }

    /**
     * Opens a ring of {@code worldSize} ranks on 127.0.0.1 inside this JVM (one thread per rank while connecting):
     * for tests, benchmarks and equivalence checks. Element i of the result is rank i; close each one.
     */
    static List<RingCollective> openLoopback(
            int worldSize, Duration connectTimeout, Duration ioTimeout, int segmentBytes) {
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
            Rendezvous rv =
                    new Rendezvous(r, worldSize, peers, secret, "loopback", 0, connectTimeout, ioTimeout, segmentBytes);
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
