package redispark.dist;

import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What the ring tests share: a run secret, listening sockets on loopback, ranks opened on their own threads, and
 * everything a test opens, closed when the fixture is (after each test, by {@code @AutoClose}).
 */
final class RingFixture implements AutoCloseable {
    static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final List<AutoCloseable> resources = new ArrayList<>();

    /** {@code n} server sockets on 127.0.0.1 at free ports. */
    List<ServerSocketChannel> servers(int n) {
        List<ServerSocketChannel> servers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            servers.add(closeAfter(RingCollective.listen("127.0.0.1", 0)));
        }
        return servers;
    }

    /** The address a rank listening on {@code server} advertises. */
    static String address(ServerSocketChannel server) {
        return RingCollective.advertise(server, "127.0.0.1");
    }

    /** The advertised addresses of {@code servers}, in rank order. */
    static List<String> peers(List<ServerSocketChannel> servers) {
        return servers.stream().map(RingFixture::address).toList();
    }

    /** Closes {@code resource} with the fixture; returns it. */
    <T extends AutoCloseable> T closeAfter(T resource) {
        resources.add(resource);
        return resource;
    }

    /** Closes every one of {@code all} with the fixture; returns them. */
    <T extends AutoCloseable> List<T> closeAfter(List<T> all) {
        resources.addAll(all);
        return all;
    }

    /** Opens {@code rv} on its own daemon thread, as the task of a barrier stage would; the ring closes after. */
    CompletableFuture<RingCollective> openAsync(Rendezvous rv, ServerSocketChannel server) {
        CompletableFuture<RingCollective> f = new CompletableFuture<>();
        Thread t = new Thread(
                () -> {
                    try {
                        f.complete(closeAfter(RingCollective.open(rv, server)));
                    } catch (Throwable e) {
                        f.completeExceptionally(e);
                    }
                },
                "test-open-rank" + rv.rank());
        t.setDaemon(true);
        t.start();
        return f;
    }

    /** Interrupts the calling thread {@code millis} from now, from a daemon thread. */
    static void interruptMeIn(long millis) {
        Thread caller = Thread.currentThread();
        Thread interrupter = new Thread(() -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                return;
            }
            caller.interrupt();
        });
        interrupter.setDaemon(true);
        interrupter.start();
    }

    @Override
    public void close() {
        resources.forEach(Io::closeQuietly);
    }
}
