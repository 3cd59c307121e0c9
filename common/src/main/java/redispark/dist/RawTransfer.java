package redispark.dist;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;

/**
 * The transport alone, as the yardstick of {@link AllReduceBench}: plain TCP sockets on 127.0.0.1, direct buffers,
 * no protocol, no additions. {@link #oneWay} streams bytes from one thread to another; {@link #ring} connects N
 * threads in a ring, each sending to its successor while receiving from its predecessor on one thread with
 * non-blocking I/O, exactly as a rank of the all-reduce moves its bytes.
 */
final class RawTransfer {

    private RawTransfer() {}

    /** Median nanoseconds for one thread to send {@code bytes} to another, in writes of {@code chunkBytes}. */
    static long oneWay(long bytes, int chunkBytes, int iterations) {
        return ring(2, bytes, chunkBytes, iterations, true);
    }

    /**
     * Median nanoseconds (slowest rank) for every one of {@code ranks} threads to send {@code bytes} to its successor
     * while receiving {@code bytes} from its predecessor; with {@code oneWay} (2 ranks) only rank 0 sends.
     */
    static long ring(int ranks, long bytes, int chunkBytes, int iterations, boolean oneWay) {
        try (Ring ring = Ring.open(ranks, chunkBytes)) {
            CyclicBarrier start = new CyclicBarrier(ranks);
            List<CompletableFuture<long[]>> work = new ArrayList<>();
            for (int r = 0; r < ranks; r++) {
                int rank = r;
                boolean sends = !oneWay || r == 0;
                boolean receives = !oneWay || r == 1;
                CompletableFuture<long[]> f = new CompletableFuture<>();
                Thread t = new Thread(
                        () -> {
                            try {
                                long[] times = new long[iterations];
                                for (int it = -1; it < iterations; it++) { // the first round warms up
                                    start.await();
                                    long took = ring.exchange(rank, bytes, sends, receives);
                                    if (it >= 0) {
                                        times[it] = took;
                                    }
                                }
                                f.complete(times);
                            } catch (Throwable e) {
                                f.completeExceptionally(e);
                            }
                        },
                        "raw-transfer-rank" + r);
                t.setDaemon(true);
                t.start();
                work.add(f);
            }
            long[] slowest = new long[iterations];
            for (CompletableFuture<long[]> f : work) {
                long[] times = f.join();
                for (int i = 0; i < iterations; i++) {
                    slowest[i] = Math.max(slowest[i], times[i]);
                }
            }
            java.util.Arrays.sort(slowest);
            return Math.max(1, slowest[iterations / 2]);
        }
    }

    /**
     * N threads' plain sockets in a ring on 127.0.0.1, kept open so that {@link AllReduceBench} can time an
     * exchange right beside each all-reduce. Rank r's calls must come from one thread; ranks run concurrently.
     */
    static final class Ring implements AutoCloseable {
        private final List<ServerSocketChannel> servers = new ArrayList<>();
        private final List<SocketChannel> out = new ArrayList<>();
        private final List<SocketChannel> in = new ArrayList<>();
        private final Selector[] selectors;
        private final SelectionKey[] outKeys;
        private final SelectionKey[] inKeys;
        private final ByteBuffer[] sendBufs;
        private final ByteBuffer[] recvBufs;
        private final int chunkBytes;

        private Ring(int ranks, int chunkBytes) {
            this.chunkBytes = chunkBytes;
            selectors = new Selector[ranks];
            outKeys = new SelectionKey[ranks];
            inKeys = new SelectionKey[ranks];
            sendBufs = new ByteBuffer[ranks];
            recvBufs = new ByteBuffer[ranks];
        }

        static Ring open(int ranks, int chunkBytes) {
            Ring ring = new Ring(ranks, chunkBytes);
            try {
                for (int r = 0; r < ranks; r++) {
                    ServerSocketChannel s = ServerSocketChannel.open();
                    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                    ring.servers.add(s);
                }
                for (int r = 0; r < ranks; r++) {
                    ring.out.add(
                            SocketChannel.open(ring.servers.get((r + 1) % ranks).getLocalAddress()));
                    ring.in.add(null);
                }
                for (int r = 0; r < ranks; r++) {
                    ring.in.set(
                            (r + 1) % ranks, ring.servers.get((r + 1) % ranks).accept());
                }
                for (int r = 0; r < ranks; r++) {
                    SocketChannel to = ring.out.get(r);
                    SocketChannel from = ring.in.get(r);
                    to.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    to.configureBlocking(false);
                    from.configureBlocking(false);
                    ring.selectors[r] = Selector.open();
                    ring.outKeys[r] = to.register(ring.selectors[r], 0);
                    ring.inKeys[r] = from.register(ring.selectors[r], 0);
                    ring.sendBufs[r] = ByteBuffer.allocateDirect(chunkBytes);
                    ring.recvBufs[r] = ByteBuffer.allocateDirect(chunkBytes);
                }
                return ring;
            } catch (IOException | RuntimeException e) {
                ring.close();
                throw e instanceof IOException io
                        ? new UncheckedIOException("raw loopback transfer failed", io)
                        : (RuntimeException) e;
            }
        }

        /** Nanoseconds for rank {@code r} to send and receive {@code bytes} (either side may be off). */
        long exchange(int r, long bytes, boolean sends, boolean receives) throws IOException {
            SocketChannel to = out.get(r);
            SocketChannel from = in.get(r);
            ByteBuffer sendBuf = sendBufs[r];
            ByteBuffer recvBuf = recvBufs[r];
            long begin = System.nanoTime();
            long sent = sends ? 0 : bytes;
            long received = receives ? 0 : bytes;
            sendBuf.clear().limit((int) Math.min(chunkBytes, bytes));
            recvBuf.clear();
            while (sent < bytes || received < bytes) {
                boolean progress = false;
                if (received < bytes) {
                    recvBuf.limit((int) Math.min(chunkBytes, bytes - received));
                    int n = from.read(recvBuf);
                    if (n < 0) {
                        throw new IOException("the peer closed");
                    }
                    received += n;
                    progress |= n > 0;
                    recvBuf.clear();
                }
                if (sent < bytes) {
                    int n = to.write(sendBuf);
                    sent += n;
                    progress |= n > 0;
                    if (!sendBuf.hasRemaining()) {
                        sendBuf.clear().limit((int) Math.min(chunkBytes, bytes - sent));
                    }
                }
                if (!progress) {
                    outKeys[r].interestOps(sent < bytes ? SelectionKey.OP_WRITE : 0);
                    inKeys[r].interestOps(received < bytes ? SelectionKey.OP_READ : 0);
                    selectors[r].select(1000);
                    selectors[r].selectedKeys().clear();
                }
            }
            return System.nanoTime() - begin;
        }

        @Override
        public void close() {
            for (Selector s : selectors) {
                if (s != null) {
                    Io.closeQuietly(s);
                }
            }
            servers.forEach(Io::closeQuietly);
            out.forEach(Io::closeQuietly);
            in.forEach(Io::closeQuietly);
        }
    }
}
