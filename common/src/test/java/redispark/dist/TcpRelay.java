package redispark.dist;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A TCP relay on 127.0.0.1 in front of one rank, as a machine on the path would run it: it can hold connections
 * back until {@link #release()}, records what its first client sends, and can flip one byte of that stream.
 */
final class TcpRelay implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final long flipAt;
    private final CountDownLatch released;
    private final ByteArrayOutputStream recorded = new ByteArrayOutputStream();
    private final List<Socket> sockets = new ArrayList<>();
    private volatile boolean closed;

    /**
     * @param held whether connections wait for {@link #release()} before anything is forwarded
     * @param flipAt offset in the first client's stream whose byte is inverted on the way, or -1
     */
    TcpRelay(String target, boolean held, long flipAt) throws IOException {
        InetSocketAddress t = Rendezvous.parseAddress(target, 0);
        this.target = new InetSocketAddress(t.getHostString(), t.getPort());
        this.flipAt = flipAt;
        this.released = new CountDownLatch(held ? 1 : 0);
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon(this::acceptLoop, "relay-accept");
    }

    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    void release() {
        released.countDown();
    }

    /** What the first client sent so far. */
    byte[] recorded() {
        synchronized (recorded) {
            return recorded.toByteArray();
        }
    }

    private void acceptLoop() {
        boolean first = true;
        while (!closed) {
            try {
                Socket client = server.accept();
                boolean isFirst = first;
                first = false;
                daemon(() -> relay(client, isFirst), "relay-connection");
            } catch (IOException e) {
                return;
            }
        }
    }

    private void relay(Socket client, boolean first) {
        try {
            released.await();
            Socket upstream = new Socket(target.getAddress(), target.getPort());
            synchronized (sockets) {
                sockets.add(client);
                sockets.add(upstream);
            }
            InputStream down = upstream.getInputStream();
            OutputStream back = client.getOutputStream();
            daemon(() -> pump(down, back, false), "relay-down");
            pump(client.getInputStream(), upstream.getOutputStream(), first);
        } catch (IOException | InterruptedException e) {
            Io.closeQuietly(client);
        }
    }

    private void pump(InputStream in, OutputStream out, boolean firstClientStream) {
        byte[] buf = new byte[8192];
        long offset = 0;
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                if (firstClientStream) {
                    if (flipAt >= offset && flipAt < offset + n) {
                        buf[(int) (flipAt - offset)] ^= (byte) 0xff;
                    }
                    synchronized (recorded) {
                        recorded.write(buf, 0, n);
                    }
                }
                offset += n;
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side went away; closing both below ends the other pump too
        } finally {
            Io.closeQuietly(in);
            Io.closeQuietly(out);
        }
    }

    private static void daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() {
        closed = true;
        released.countDown();
        Io.closeQuietly(server);
        synchronized (sockets) {
            sockets.forEach(Io::closeQuietly);
        }
    }
}
