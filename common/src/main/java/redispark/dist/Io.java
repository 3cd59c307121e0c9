package redispark.dist;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/** Blocking-with-deadline helpers over non-blocking channels; every wait is bounded and honours interruption. */
final class Io {

    private Io() {}

    /** Builds the exception for a failure, naming the peer and the operation (the caller knows both). */
    @FunctionalInterface
    interface Blame {
        CollectiveException fail(String problem, Throwable cause);
    }

    /** Writes all remaining bytes of {@code buf} before {@code deadline} (System.nanoTime), or fails. */
    static void writeFully(SocketChannel ch, ByteBuffer buf, long deadline, Blame blame) {
        transfer(ch, buf, true, deadline, blame);
    }

    /** Reads until {@code buf} is full before {@code deadline} (System.nanoTime), or fails (EOF included). */
    static void readFully(SocketChannel ch, ByteBuffer buf, long deadline, Blame blame) {
        transfer(ch, buf, false, deadline, blame);
    }

    private static void transfer(SocketChannel ch, ByteBuffer buf, boolean write, long deadline, Blame blame) {
        if (!buf.hasRemaining()) {
            return;
        }
        try (Selector selector = Selector.open()) {
            ch.register(selector, write ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
            while (buf.hasRemaining()) {
                checkInterrupt(blame);
                int n = write ? ch.write(buf) : ch.read(buf);
                if (n < 0) {
                    throw blame.fail("the connection was closed by the peer", new EOFException());
                }
                if (n > 0) {
                    continue;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw blame.fail(
                            (write ? "the peer stopped reading" : "no data arrived") + " before the deadline", null);
                }
                selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            throw blame.fail((write ? "write" : "read") + " failed: " + e, e);
        }
    }

    /**
     * Connects to {@code target} (resolved on every try), retrying refused or unresolvable addresses with backoff
     * until {@code deadline}. Returns a connected non-blocking channel with TCP_NODELAY.
     */
    static SocketChannel connect(InetSocketAddress target, long deadline, Blame blame) {
        return connect(target, deadline, blame, false);
    }

    /**
     * Connects, retrying on transport errors until the deadline; with {@code refusedIsFinal}, a refused connection
     * fails at once (the caller knows the port listened before, so its owner has stopped listening).
     */
    static SocketChannel connect(InetSocketAddress target, long deadline, Blame blame, boolean refusedIsFinal) {
        long backoffMillis = 10;
        Exception last = null;
        int tries = 0;
        while (true) {
            checkInterrupt(blame);
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw blame.fail("could not connect after " + tries + " tries; last error: " + last, last);
            }
            tries++;
            InetSocketAddress resolved = new InetSocketAddress(target.getHostString(), target.getPort());
            if (resolved.isUnresolved()) {
                last = new IOException("cannot resolve host " + target.getHostString());
            } else {
                SocketChannel ch = null;
                try (Selector selector = Selector.open()) {
                    ch = SocketChannel.open();
                    configure(ch);
                    if (!ch.connect(resolved)) {
                        ch.register(selector, SelectionKey.OP_CONNECT);
                        while (!ch.finishConnect()) {
                            checkInterrupt(blame);
                            long wait = deadline - System.nanoTime();
                            if (wait <= 0) {
                                throw new IOException("connect timed out");
                            }
                            selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait)));
                            selector.selectedKeys().clear();
                        }
                    }
                    return ch;
                } catch (java.net.ConnectException e) {
                    closeQuietly(ch);
                    if (refusedIsFinal) {
                        throw blame.fail(
                                "the port no longer accepts connections (" + e.getMessage()
                                        + "): that rank stopped listening, it failed or gave up (see its log)",
                                e);
                    }
                    last = e;
                } catch (IOException e) {
                    closeQuietly(ch);
                    last = e;
                } catch (RuntimeException e) {
                    closeQuietly(ch);
                    throw e;
                }
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

    /** Non-blocking, no Nagle delay (small control messages), keep-alive. */
    static void configure(SocketChannel ch) throws IOException {
        ch.configureBlocking(false);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        ch.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
    }

    static void checkInterrupt(Blame blame) {
        if (Thread.currentThread().isInterrupted()) {
            throw blame.fail("the thread was interrupted", new InterruptedException());
        }
    }

    static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing after a failure: the original failure is what matters
            }
        }
    }

    static String seconds(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1f s", nanos / 1e9);
    }
}
