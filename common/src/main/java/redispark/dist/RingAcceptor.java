package redispark.dist;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accepting half of joining the ring: takes connections on this rank's listening socket until its predecessor
 * has proved itself. Every connection gets its own thread and its own short deadline ({@link #HANDSHAKE_TIMEOUT}),
 * so a client that connects and stays silent, a stranger, a port scanner or a stale task of another attempt cannot
 * hold up the accept or end it: each is dropped (and noted for the error message, should the predecessor never
 * come) while the wait goes on. At most {@link #MAX_PENDING} handshakes run at once; beyond that the oldest is
 * dropped, since a real peer's handshake takes milliseconds.
 */
final class RingAcceptor {

    private static final Logger LOG = LoggerFactory.getLogger(RingAcceptor.class);

    /** How long one incoming connection may take to complete its handshake. */
    static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    static final int MAX_PENDING = 16;
    /** Dropped connections kept for the error message; the rest are only counted. */
    private static final int MAX_NOTED = 8;

    private final ServerSocketChannel server;
    private final Rendezvous rv;
    private final long deadline;
    private final String what;
    private final CompletableFuture<List<Handshake.Link>> result = new CompletableFuture<>();
    /** The predecessor's links proved so far, by link number; the accept is done when all are in. */
    private final Handshake.Link[] links;

    private int linksIn;
    private final Deque<Pending> pending = new ArrayDeque<>();
    private final List<HandshakeRefusedException> refusals = new ArrayList<>();
    private final List<String> dropped = new ArrayList<>();
    private int droppedCount;
    private final Thread loop;
    private volatile Selector selector;
    private volatile boolean stopping;

    /** One incoming connection whose handshake is running. */
    private static final class Pending {
        final SocketChannel channel;
        final String remote;
        Thread thread;

        Pending(SocketChannel channel, String remote) {
            this.channel = channel;
            this.remote = remote;
        }

        void stop() {
            thread.interrupt();
            Io.closeQuietly(channel);
        }
    }

    /** Starts accepting on a daemon thread; {@code deadline} is System.nanoTime based. */
    RingAcceptor(ServerSocketChannel server, Rendezvous rv, long deadline, String describe) {
        this.server = server;
        this.rv = rv;
        this.deadline = deadline;
        this.what = describe + ": accept rank " + rv.previous();
        this.links = new Handshake.Link[rv.links()];
        this.loop = new Thread(this::acceptLoop, "ring-accept-rank" + rv.rank());
        loop.setDaemon(true);
        loop.start();
    }

    /** The predecessor's authenticated links in link order, once all have proved themselves; bounded by the deadline. */
    List<Handshake.Link> await() {
        int previous = rv.previous();
        try {
            // the loop enforces the deadline itself; the slack only guards against a lost wake-up
            long left = Math.max(0, deadline - System.nanoTime()) + TimeUnit.SECONDS.toNanos(2);
            return result.get(left, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException(
                    what + ": interrupted while waiting for rank " + previous + " to connect", previous, "accept", e);
        } catch (TimeoutException e) {
            throw new CollectiveException(
                    what + ": rank " + previous + " did not connect in time", previous, "accept", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof CollectiveException ce) {
                throw ce;
            }
            throw new CollectiveException(
                    what + ": accepting failed: " + e.getCause(), previous, "accept", e.getCause());
        }
    }

    boolean isDone() {
        return result.isDone();
    }

    /** The first peer of this protocol refused so far (or the refusal the accept ended with), else null. */
    HandshakeRefusedException firstRefusal() {
        synchronized (pending) {
            if (!refusals.isEmpty()) {
                return refusals.get(0);
            }
        }
        if (result.isCompletedExceptionally()) {
            Throwable t = result.handle((link, e) -> e).join();
            if (t instanceof HandshakeRefusedException refused) {
                return refused;
            }
        }
        return null;
    }

    /** Stops accepting and every handshake still running; an accepted link is closed too when {@code abandon}. */
    void stop(boolean abandon) {
        stopping = true;
        loop.interrupt();
        List<Pending> running;
        synchronized (pending) {
            running = new ArrayList<>(pending);
            pending.clear();
        }
        running.forEach(Pending::stop);
        if (abandon) {
            result.thenAccept(all -> all.forEach(link -> Io.closeQuietly(link.channel())));
            synchronized (pending) {
                for (Handshake.Link link : links) {
                    if (link != null) {
                        Io.closeQuietly(link.channel());
                    }
                }
            }
        }
    }

    private void acceptLoop() {
        try (Selector accepting = Selector.open()) {
            selector = accepting;
            server.configureBlocking(false);
            server.register(accepting, SelectionKey.OP_ACCEPT);
            while (!result.isDone()) {
                if (Thread.currentThread().isInterrupted()) {
                    result.completeExceptionally(new CollectiveException(
                            what + ": interrupted", rv.previous(), "accept", new InterruptedException()));
                    return;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    result.completeExceptionally(timedOut());
                    return;
                }
                accepting.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                accepting.selectedKeys().clear();
                SocketChannel ch;
                while (!result.isDone() && (ch = server.accept()) != null) {
                    start(ch);
                }
            }
        } catch (IOException | RuntimeException e) {
            result.completeExceptionally(
                    new CollectiveException(what + ": accepting failed: " + e, rv.previous(), "accept", e));
        } finally {
            // the predecessor is in, or the accept failed: the other handshakes have nothing left to win
            stop(false);
        }
    }

    private void start(SocketChannel ch) {
        String remote;
        try {
            remote = String.valueOf(ch.getRemoteAddress());
            Io.configure(ch);
        } catch (IOException e) {
            Io.closeQuietly(ch);
            return;
        }
        Pending p = new Pending(ch, remote);
        p.thread = new Thread(() -> handshake(p), "ring-accept-rank" + rv.rank() + "-handshake");
        p.thread.setDaemon(true);
        Pending oldest = null;
        synchronized (pending) {
            if (pending.size() >= MAX_PENDING) {
                oldest = pending.pollFirst();
            }
            pending.addLast(p);
        }
        if (oldest != null) {
            oldest.stop();
            note(oldest.remote + ": dropped, " + MAX_PENDING + " other handshakes were running");
        }
        p.thread.start();
    }

    private void handshake(Pending p) {
        int previous = rv.previous();
        long until = Math.min(deadline, System.nanoTime() + HANDSHAKE_TIMEOUT.toNanos());
        Io.Blame blame = (problem, cause) -> new CollectiveException(
                what + " (connection from " + p.remote + "): " + problem, previous, "accept", cause);
        try {
            Handshake.Link link = Handshake.accept(p.channel, rv, until, blame);
            boolean complete = false;
            boolean kept = false;
            synchronized (pending) {
                if (pending.remove(p) && links[link.index()] == null && !result.isDone()) {
                    links[link.index()] = link;
                    kept = true;
                    complete = ++linksIn == links.length;
                }
            }
            if (complete && result.complete(List.of(links))) {
                Selector s = selector;
                if (s != null) {
                    s.wakeup();
                }
                return;
            }
            if (!kept) {
                Io.closeQuietly(p.channel); // a second connection for a link already in, or the accept is over
            }
        } catch (Handshake.Foreign f) {
            Io.closeQuietly(p.channel);
            note(p.remote + ": " + f.getMessage());
        } catch (HandshakeRefusedException refused) {
            Io.closeQuietly(p.channel);
            synchronized (pending) {
                if (refusals.size() < MAX_NOTED) {
                    refusals.add(refused);
                }
            }
            if (!stopping) {
                LOG.warn("{}; still waiting for rank {}", refused.getMessage(), previous);
            }
        } catch (RuntimeException e) {
            Io.closeQuietly(p.channel);
            note(p.remote + ": " + e.getMessage());
        } finally {
            synchronized (pending) {
                pending.remove(p);
            }
        }
    }

    /** Records a dropped connection (not of this protocol, silent, too slow or broken) for the timeout message. */
    private void note(String why) {
        if (stopping) {
            return;
        }
        LOG.warn("{}: dropped a connection that did not complete the ring handshake: {}", what, why);
        synchronized (pending) {
            droppedCount++;
            if (dropped.size() < MAX_NOTED) {
                dropped.add(why);
            }
        }
    }

    private CollectiveException timedOut() {
        int previous = rv.previous();
        StringBuilder message = new StringBuilder(what)
                .append(": rank ")
                .append(previous)
                .append(" (")
                .append(rv.peers().get(previous))
                .append(") did not connect within ")
                .append(Io.seconds(rv.connectTimeout().toNanos()));
        boolean refused;
        synchronized (pending) {
            refused = !refusals.isEmpty();
            if (refused) {
                message.append("; refused: ")
                        .append(refusals.stream().map(Throwable::getMessage).toList());
            }
            if (droppedCount > 0) {
                message.append("; dropped ")
                        .append(droppedCount)
                        .append(" other connections: ")
                        .append(dropped);
            }
        }
        return refused
                ? new HandshakeRefusedException(message.toString(), previous, "accept")
                : new CollectiveException(message.toString(), previous, "accept");
    }
}
