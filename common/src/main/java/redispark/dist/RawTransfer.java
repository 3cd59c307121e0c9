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
        List<ServerSocketChannel> servers = new ArrayList<>();
        List<SocketChannel> out = new ArrayList<>();
        List<SocketChannel> in = new ArrayList<>();
        try {
            for (int r = 0; r < ranks; r++) {
                ServerSocketChannel s = ServerSocketChannel.open();
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                servers.add(s);
            }
            for (int r = 0; r < ranks; r++) {
                out.add(SocketChannel.open(servers.get((r + 1) % ranks).getLocalAddress()));
                in.add(null);
            }
            for (int r = 0; r < ranks; r++) {
                in.set((r + 1) % ranks, servers.get((r + 1) % ranks).accept());
            }
            for (SocketChannel ch : out) {
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            CyclicBarrier start = new CyclicBarrier(ranks);
            List<CompletableFuture<long[]>> work = new ArrayList<>();
            for (int r = 0; r < ranks; r++) {
                boolean sends = !oneWay || r == 0;
                boolean receives = !oneWay || r == 1;
                SocketChannel to = out.get(r);
                SocketChannel from = in.get(r);
                CompletableFuture<long[]> f = new CompletableFuture<>();
                Thread t = new Thread(
                        () -> {
                            try {
                                f.complete(run(to, from, sends, receives, bytes, chunkBytes, iterations, start));
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
        } catch (IOException e) {
            throw new UncheckedIOException("raw loopback transfer failed", e);
        } finally {
            servers.forEach(Io::closeQuietly);
            out.forEach(Io::closeQuietly);
            in.forEach(Io::closeQuietly);
        }
    }

    private static long[] run(
            SocketChannel to,
            SocketChannel from,
            boolean sends,
            boolean receives,
            long bytes,
            int chunkBytes,
            int iterations,
            CyclicBarrier start)
            throws Exception {
        ByteBuffer sendBuf = ByteBuffer.allocateDirect(chunkBytes);
        ByteBuffer recvBuf = ByteBuffer.allocateDirect(chunkBytes);
        to.configureBlocking(false);
        from.configureBlocking(false);
        long[] times = new long[iterations];
        try (Selector selector = Selector.open()) {
            SelectionKey outKey = to.register(selector, 0);
            SelectionKey inKey = from.register(selector, 0);
            for (int it = -1; it < iterations; it++) { // the first round warms up
                start.await();
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
                        outKey.interestOps(sent < bytes ? SelectionKey.OP_WRITE : 0);
                        inKey.interestOps(received < bytes ? SelectionKey.OP_READ : 0);
                        selector.select(1000);
                        selector.selectedKeys().clear();
                    }
                }
                if (it >= 0) {
                    times[it] = System.nanoTime() - begin;
                }
            }
        }
        return times;
    }
}
