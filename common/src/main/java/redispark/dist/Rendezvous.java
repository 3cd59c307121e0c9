package redispark.dist;

import java.io.Serializable;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What one worker needs to join the ring: its rank, every rank's advertised {@code host:port} in rank order, the
 * run's shared secret, the run id and attempt (peers of another run or attempt are refused), and the deadlines.
 *
 * <p>The driver makes the secret ({@link #newSecret()}) and ships it to the tasks in the closure; the addresses come
 * from Spark's {@code BarrierTaskContext.allGather}. Build with {@link #of}, then adjust with the {@code with*}
 * methods. {@link #toString()} never prints the secret.
 *
 * @param rank this worker's rank, {@code 0 <= rank < worldSize}
 * @param worldSize number of ranks, equal to {@code peers.size()}
 * @param peers advertised {@code host:port} of every rank, in rank order (IPv6 as {@code [addr]:port})
 * @param secret the run's shared secret, at least 16 bytes; peers prove knowledge of it with HMAC-SHA256
 * @param runId the run this ring belongs to (any non-empty string, e.g. the driver's run id)
 * @param attempt the attempt within the run (e.g. Spark's stage attempt number), so stale tasks are refused
 * @param connectTimeout deadline for the whole of {@link RingCollective#open}: connect, accept and handshakes
 * @param ioTimeout longest time any blocking read or write may make no progress; it must exceed the largest
 *     difference in step time between ranks, since a rank waits inside a collective for the slowest one
 * @param segmentBytes pipelining unit: large arrays move in segments of this many bytes (a multiple of 8)
 * @param sealFrames whether every frame after the handshake carries a keyed MAC with a sequence number
 *     ({@link FrameSeal}), so bytes altered or injected on the wire fail the call; both ends must agree
 * @param links connections per ring edge, 1..{@link #MAX_LINKS}: each carries its part of every all-reduce on its
 *     own thread; all ranks must agree
 * @param wireFormat how all-reduces put floats on the wire ({@link WireFormat}); all ranks must agree
 */
public record Rendezvous(
        int rank,
        int worldSize,
        List<String> peers,
        byte[] secret,
        String runId,
        int attempt,
        Duration connectTimeout,
        Duration ioTimeout,
        int segmentBytes,
        boolean sealFrames,
        int links,
        WireFormat wireFormat)
        implements Serializable {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_IO_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_SEGMENT_BYTES = 1 << 20;
    public static final int MIN_SECRET_BYTES = 16;
    /** The handshake carries the run id; longer ones are refused here rather than truncated on the wire. */
    public static final int MAX_RUN_ID_BYTES = 256;
    /**
     * Frames are not sealed unless asked: a keyed MAC on every byte costs several times the exchange itself on a
     * CPU (measured with {@link AllReduceBench}: {@code seal_cost_pct}), while the handshake already keeps strangers
     * out of the ring.
     */
    public static final boolean DEFAULT_SEAL_FRAMES = false;
    /** One connection per ring edge unless asked: on one host more only add threads that compete for its cores. */
    public static final int DEFAULT_LINKS = 1;

    public static final int MAX_LINKS = 16;
    public static final WireFormat DEFAULT_WIRE_FORMAT = WireFormat.FP32;

    public Rendezvous {
        if (worldSize < 1) {
            throw new IllegalArgumentException("worldSize must be at least 1, got " + worldSize);
        }
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " is outside 0.." + (worldSize - 1));
        }
        peers = List.copyOf(peers);
        if (peers.size() != worldSize) {
            throw new IllegalArgumentException(
                    "peers lists " + peers.size() + " addresses for a world of " + worldSize + ": " + peers);
        }
        for (int i = 0; i < peers.size(); i++) {
            parseAddress(peers.get(i), i);
        }
        if (secret == null || secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("the run secret must have at least " + MIN_SECRET_BYTES
                    + " bytes (use Rendezvous.newSecret()), got " + (secret == null ? "none" : secret.length));
        }
        secret = secret.clone();
        if (runId == null || runId.isEmpty()) {
            throw new IllegalArgumentException("runId must be a non-empty string");
        }
        if (runId.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_RUN_ID_BYTES) {
            throw new IllegalArgumentException("runId must have at most " + MAX_RUN_ID_BYTES + " UTF-8 bytes");
        }
        if (attempt < 0) {
            throw new IllegalArgumentException("attempt must be >= 0, got " + attempt);
        }
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(ioTimeout, "ioTimeout");
        if (segmentBytes < 8 || segmentBytes % 8 != 0) {
            throw new IllegalArgumentException("segmentBytes must be a positive multiple of 8, got " + segmentBytes);
        }
        if (links < 1 || links > MAX_LINKS) {
            throw new IllegalArgumentException("links must be 1.." + MAX_LINKS + ", got " + links);
        }
        Objects.requireNonNull(wireFormat, "wireFormat");
    }

    /** A rendezvous with the default frame sealing, one link per edge and the float32 wire. */
    public Rendezvous(
            int rank,
            int worldSize,
            List<String> peers,
            byte[] secret,
            String runId,
            int attempt,
            Duration connectTimeout,
            Duration ioTimeout,
            int segmentBytes) {
        this(
                rank,
                worldSize,
                peers,
                secret,
                runId,
                attempt,
                connectTimeout,
                ioTimeout,
                segmentBytes,
                DEFAULT_SEAL_FRAMES,
                DEFAULT_LINKS,
                DEFAULT_WIRE_FORMAT);
    }

    /** A rendezvous with the default timeouts (60 s) and segment size (1 MiB); worldSize is {@code peers.size()}. */
    public static Rendezvous of(int rank, List<String> peers, byte[] secret, String runId, int attempt) {
        return new Rendezvous(
                rank,
                peers.size(),
                peers,
                secret,
                runId,
                attempt,
                DEFAULT_CONNECT_TIMEOUT,
                DEFAULT_IO_TIMEOUT,
                DEFAULT_SEGMENT_BYTES);
    }

    public Rendezvous withTimeouts(Duration connect, Duration io) {
        return with(connect, io, segmentBytes, sealFrames, links, wireFormat);
    }

    public Rendezvous withSegmentBytes(int bytes) {
        return with(connectTimeout, ioTimeout, bytes, sealFrames, links, wireFormat);
    }

    public Rendezvous withSealFrames(boolean seal) {
        return with(connectTimeout, ioTimeout, segmentBytes, seal, links, wireFormat);
    }

    public Rendezvous withLinks(int count) {
        return with(connectTimeout, ioTimeout, segmentBytes, sealFrames, count, wireFormat);
    }

    public Rendezvous withWireFormat(WireFormat format) {
        return with(connectTimeout, ioTimeout, segmentBytes, sealFrames, links, format);
    }

    /** This rank of this run with other transport settings. */
    private Rendezvous with(Duration connect, Duration io, int segment, boolean seal, int count, WireFormat format) {
        return new Rendezvous(
                rank, worldSize, peers, secret, runId, attempt, connect, io, segment, seal, count, format);
    }

    /** A fresh 32-byte secret from {@link SecureRandom}; the driver makes one per run. */
    public static byte[] newSecret() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return secret;
    }

    /** A copy of the secret (the record keeps its own copy). */
    @Override
    public byte[] secret() {
        return secret.clone();
    }

    byte[] secretUnsafe() {
        return secret;
    }

    /** The successor this rank connects to. */
    int next() {
        return (rank + 1) % worldSize;
    }

    /** The predecessor this rank accepts from. */
    int previous() {
        return (rank + worldSize - 1) % worldSize;
    }

    /** Unresolved socket address of a rank (resolved at connect time, so a slow DNS is retried too). */
    InetSocketAddress address(int r) {
        return parseAddress(peers.get(r), r);
    }

    static InetSocketAddress parseAddress(String hostPort, int r) {
        if (hostPort == null) {
            throw new IllegalArgumentException("address of rank " + r + " is missing");
        }
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("address of rank " + r + " must be host:port, got '" + hostPort + "'");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException(
                    "address of rank " + r + " is IPv6 without brackets; write [addr]:port, got '" + hostPort + "'");
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("address of rank " + r + " has a bad port: '" + hostPort + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("address of rank " + r + " has port out of range: '" + hostPort + "'");
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    private static void requirePositive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Rendezvous r
                && rank == r.rank
                && worldSize == r.worldSize
                && peers.equals(r.peers)
                && Arrays.equals(secret, r.secret)
                && runId.equals(r.runId)
                && attempt == r.attempt
                && connectTimeout.equals(r.connectTimeout)
                && ioTimeout.equals(r.ioTimeout)
                && segmentBytes == r.segmentBytes
                && sealFrames == r.sealFrames
                && links == r.links
                && wireFormat == r.wireFormat;
    }

    @Override
    public int hashCode() {
        return ((rank * 31 + worldSize) * 31 + peers.hashCode()) * 31 + runId.hashCode() * 7 + attempt;
    }

    @Override
    public String toString() {
        return "Rendezvous[rank=" + rank + ", worldSize=" + worldSize + ", peers=" + peers + ", secret=<"
                + secret.length + " bytes>, runId=" + runId + ", attempt=" + attempt + ", connectTimeout="
                + connectTimeout + ", ioTimeout=" + ioTimeout + ", segmentBytes=" + segmentBytes + ", sealFrames="
                + sealFrames + ", links=" + links + ", wireFormat=" + wireFormat.label() + "]";
    }
}
