package redispark.dist;

import java.io.EOFException;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Ring all-reduce over TCP between the ranks of one training run.
 *
 * <h2>Topology</h2>
 * Rank r keeps {@link Rendezvous#links()} pairs of connections: each link is one connection it opened to its
 * successor (r+1 mod N), on which it only sends, and one it accepted from its predecessor (r-1 mod N), on which it
 * only receives. All are authenticated by {@link Handshake} (HMAC-SHA256 with the run secret over the whole
 * handshake: both nonces, both ranks, each side's role, run id, attempt, protocol version, link number and wire
 * settings); unless {@link Rendezvous#sealFrames()} is off, every frame after it carries a keyed MAC with a sequence
 * number ({@link FrameSeal}).
 *
 * <h2>All-reduce</h2>
 * An array of n floats is cut into N chunks in rank order; chunk c has {@code n/N} elements, plus one when
 * {@code c < n%N}. Global step g (0 <= g < 2(N-1)) sends chunk {@code (r-g) mod N} and receives chunk
 * {@code (r-g-1) mod N}: in the first N-1 steps (reduce-scatter) the received partial sum is added to the local
 * values, in the last N-1 (all-gather) the finished chunk overwrites them. With L links, each chunk is cut the same
 * way into L parts and link l carries part l of every chunk, on its own thread, so the links run in parallel.
 * Chunks move in segments of {@link Rendezvous#segmentBytes()}; segment j of step g is sent as soon as segment j of
 * step g-1 has arrived and been added, so the steps pipeline. One thread per link drives both of its sockets with
 * non-blocking I/O, so sending to the successor and receiving from the predecessor overlap (full duplex); each link
 * has two receive segments, so the next segment is read while the previous one waits to be added, and additions run
 * when the sockets have nothing to do or the next send needs them.
 *
 * <h2>Summation order (bit-exact)</h2>
 * The sum of chunk c starts on rank c and travels forward: element i of chunk c is
 * {@code ((x[c][i] + x[c+1][i]) + x[c+2][i]) + ... + x[c+N-1][i]} (ranks mod N, float32, left to right), computed
 * once and then copied to every rank. So all ranks get bit-identical results, equal to
 * {@link #referenceSum(float[][])}, independent of the segment size and the number of links. With the bfloat16 wire
 * ({@link Rendezvous#wireFormat()}) every partial sum is rounded to bfloat16 before it is sent and the finished sum
 * once more, on every rank alike: {@link #referenceSumBf16(float[][])}.
 *
 * <h2>Wire</h2>
 * Every operation starts with a 32-byte header on each link (magic, operation, call number, element count,
 * argument) so ranks that make different calls fail with a message saying which, instead of reading garbage.
 * Floats are little-endian float32 (or bfloat16 in all-reduces, when set). Scalars ({@link #allReduceSum(double)})
 * are all-gathered as doubles and summed exactly on every rank. With sealing, each header and each segment is
 * followed by its 32-byte tag, checked before the frame is used (in the all-gather half of a little-endian
 * all-reduce the segment lands in the caller's buffer first; a failed check fails the call all the same).
 *
 * <h2>Failures</h2>
 * Every wait is bounded: {@link Rendezvous#connectTimeout()} for {@link #open}, and {@link Rendezvous#ioTimeout()}
 * for any stretch in which neither socket of a link makes progress. A closed peer, a stall, a mismatched call, an
 * interrupt of the calling thread or a concurrent {@link #close()} raise {@link CollectiveException} naming the peer
 * and the operation; the collective then closes all its sockets (so the neighbours fail at once too) and every later
 * call fails.
 *
 * <p>Not thread-safe: one thread makes the calls; {@link #close()} may come from any thread.
 */
public final class RingCollective implements Collective {

    private static final int HEADER_BYTES = 32;
    private static final int HEADER_MAGIC = 0x52444331; // "RDC1"
    private static final int OP_ALL_REDUCE = 1;
    private static final int OP_BROADCAST = 2;
    private static final int OP_ALL_GATHER = 3;
    private static final int OP_SCALARS = 4;
    private static final int OP_BARRIER = 5;
    /** All-gathers carry small metadata (layout fingerprints, metric names); a peer may not announce more. */
    static final int MAX_GATHER_BYTES = 16 << 20;

    private final Rendezvous rv;
    private final String self;
    private final int segmentFloats;
    /** The links to the neighbours; empty for a world of one. Link 0 also carries every operation but all-reduces. */
    private final Lane[] lanes;
    /** Threads of links 1..L-1 (link 0 runs on the calling thread); null with one link. */
    private final ExecutorService laneThreads;

    private long calls;
    /** Time all-reduces spent before the predecessor's header arrived: waiting for it to make the same call. */
    private volatile long waitedNanos;

    private volatile boolean closed;
    private volatile CollectiveException broken;

    /** Wraps the authenticated links, link i of each list forming link i (both empty for a world of one). */
    RingCollective(Rendezvous rv, List<Handshake.Link> toNext, List<Handshake.Link> fromPrevious) throws IOException {
        this.rv = rv;
        this.self =
                "rank " + rv.rank() + "/" + rv.worldSize() + " (run '" + rv.runId() + "' attempt " + rv.attempt() + ")";
        this.segmentFloats = rv.segmentBytes() / Float.BYTES;
        if (toNext.size() != fromPrevious.size()) {
            throw new IllegalArgumentException(toNext.size() + " links out, " + fromPrevious.size() + " in");
        }
        lanes = new Lane[toNext.size()];
        try {
            for (int l = 0; l < lanes.length; l++) {
                lanes[l] = new Lane(l, toNext.get(l), fromPrevious.get(l));
            }
        } catch (IOException | RuntimeException e) {
            for (Lane lane : lanes) {
                if (lane != null) {
                    lane.release();
                }
            }
            throw e;
        }
        laneThreads = lanes.length > 1
                ? Executors.newFixedThreadPool(lanes.length - 1, r -> {
                    Thread t = new Thread(r, "ring-link-rank" + rv.rank());
                    t.setDaemon(true);
                    return t;
                })
                : null;
    }

    // ------------------------------------------------------------------------------------------------ set-up

    /**
     * Binds a listening socket for the ring on {@code bindHost} (an address or host name: the interface peers reach
     * this rank on, {@code 127.0.0.1} when all ranks share one machine; {@code "0.0.0.0"} opens it on every
     * interface) and {@code port} (0 picks a free one). Publish {@link #advertise} of it, then pass it to
     * {@link #open}.
     */
    public static ServerSocketChannel listen(String bindHost, int port) {
        return RingSetup.listen(bindHost, port);
    }

    /**
     * The {@code host:port} peers should dial to reach {@code server}: {@code advertiseHost} (e.g. the executor's
     * host name) when given, else the bound address; IPv6 literals are bracketed.
     */
    public static String advertise(ServerSocketChannel server, String advertiseHost) {
        return RingSetup.advertise(server, advertiseHost);
    }

    /**
     * Joins the ring: dials the successor (retrying until the connect deadline, since it may not listen yet) while
     * accepting the predecessor on {@code server}, and authenticates both links. Takes ownership of {@code server}
     * and closes it once the predecessor is in (or on failure). With a world of one, returns at once.
     *
     * @throws CollectiveException on timeout, interruption or a refused handshake (wrong secret, run, attempt, rank)
     */
    public static RingCollective open(Rendezvous rv, ServerSocketChannel server) {
        return RingSetup.open(rv, server);
    }

    /**
     * Opens a ring of {@code worldSize} ranks on 127.0.0.1 inside this JVM (one thread per rank while connecting):
     * for tests, benchmarks and equivalence checks. Element i of the result is rank i; close each one.
     */
    public static List<RingCollective> openLoopback(
            int worldSize, Duration connectTimeout, Duration ioTimeout, int segmentBytes) {
        return openLoopback(worldSize, connectTimeout, ioTimeout, segmentBytes, Rendezvous.DEFAULT_SEAL_FRAMES);
    }

    /** {@link #openLoopback(int, Duration, Duration, int)} with frame sealing on or off. */
    public static List<RingCollective> openLoopback(
            int worldSize, Duration connectTimeout, Duration ioTimeout, int segmentBytes, boolean sealFrames) {
        return RingSetup.openLoopback(
                worldSize,
                connectTimeout,
                ioTimeout,
                segmentBytes,
                sealFrames,
                Rendezvous.DEFAULT_LINKS,
                Rendezvous.DEFAULT_WIRE_FORMAT);
    }

    /** {@link #openLoopback(int, Duration, Duration, int)} with several links per edge and a wire format. */
    public static List<RingCollective> openLoopback(
            int worldSize, Duration timeout, int segmentBytes, int links, WireFormat wire) {
        return RingSetup.openLoopback(worldSize, timeout, timeout, segmentBytes, false, links, wire);
    }

    /** {@link #openLoopback(int, Duration, Duration, int)} with the given timeout for both and 1 MiB segments. */
    public static List<RingCollective> openLoopback(int worldSize, Duration timeout) {
        return openLoopback(worldSize, timeout, timeout, Rendezvous.DEFAULT_SEGMENT_BYTES);
    }

    // ------------------------------------------------------------------------------------------------ API

    @Override
    public int rank() {
        return rv.rank();
    }

    @Override
    public int worldSize() {
        return rv.worldSize();
    }

    public Rendezvous rendezvous() {
        return rv;
    }

    @Override
    public void allReduceSum(float[] values) {
        Objects.requireNonNull(values, "values");
        allReduce(wire -> wire.of(values, rv.wireFormat()), values.length);
    }

    @Override
    public void allReduceSum(FloatBuffer values) {
        allReduce(wire -> wire.of(values, rv.wireFormat()), values.remaining());
    }

    /**
     * In-place sum over all ranks of the float32 values stored little-endian in the bytes between
     * {@code floats.position()} and {@code floats.limit()} (whatever the buffer's own byte order), for example a
     * direct view of a tensor. The fastest path: with a direct buffer and the float32 wire, nothing is staged on
     * send or on copy.
     */
    public void allReduceSumLittleEndian(ByteBuffer floats) {
        if (floats.remaining() % Float.BYTES != 0) {
            throw new IllegalArgumentException(
                    "the byte range holds a partial float: " + floats.remaining() + " bytes");
        }
        allReduce(wire -> wire.ofLittleEndian(floats, rv.wireFormat()), floats.remaining() / Float.BYTES);
    }

    /**
     * {@link #allReduceSumLittleEndian(ByteBuffer)} of the floats of {@code pieces} laid end to end, in place: one
     * all-reduce (one chunking, one summation order) over all of them, as if they were one buffer, with no copy into
     * one (e.g. the gradient slices of one bucket, each a view of its tensor).
     */
    public void allReduceSumLittleEndian(List<ByteBuffer> pieces) {
        long floats = 0;
        for (ByteBuffer b : pieces) {
            if (b.remaining() % Float.BYTES != 0) {
                throw new IllegalArgumentException("a piece holds a partial float: " + b.remaining() + " bytes");
            }
            floats += b.remaining() / Float.BYTES;
        }
        if (floats > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("one all-reduce holds at most 2^31-1 floats, got " + floats);
        }
        allReduce(wire -> wire.ofLittleEndian(pieces, rv.wireFormat()), (int) floats);
    }

    /** One all-reduce of n floats, every link carrying its part of each chunk in parallel. */
    private void allReduce(Function<WireBuffers, WireBuffers.Span> spanOf, int n) {
        if (rv.worldSize() == 1) {
            checkOpen("allReduceSum");
            return;
        }
        long call = ++calls;
        if (lanes.length == 1) {
            lanes[0].run(new AllReduce(lanes[0], spanOf.apply(lanes[0].wire), n), call);
            return;
        }
        checkOpen(describeOp(OP_ALL_REDUCE, call, n, 0));
        List<Future<?>> others = new ArrayList<>();
        for (int l = 1; l < lanes.length; l++) {
            Lane lane = lanes[l];
            AllReduce op = new AllReduce(lane, spanOf.apply(lane.wire), n);
            others.add(laneThreads.submit(() -> lane.run(op, call)));
        }
        CollectiveException first = null;
        try {
            lanes[0].run(new AllReduce(lanes[0], spanOf.apply(lanes[0].wire), n), call);
        } catch (CollectiveException e) {
            first = e; // the ring is closed now, so the other links fail promptly too
        }
        boolean interrupted = false;
        for (Future<?> f : others) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // every link's wait is bounded: finish collecting, then re-assert
                    if (first == null) {
                        first = fail(describeOp(OP_ALL_REDUCE, call, n, 0), -1, "the thread was interrupted", e);
                    }
                } catch (ExecutionException e) {
                    if (first == null) {
                        first = e.getCause() instanceof CollectiveException ce
                                ? ce
                                : fail(describeOp(OP_ALL_REDUCE, call, n, 0), -1, "link failed: " + e.getCause(), e);
                    }
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (first != null) {
            // the link that failed first says why; the others only saw the ring close under them
            throw broken != null ? broken : first;
        }
    }

    /**
     * Sum over all ranks, exactly: each rank all-gathers the N values and adds them with {@link BigDecimal}, then
     * rounds once, so the result is the correctly rounded sum, identical on every rank and independent of rank order
     * (integer counts below 2^53 are exact). Infinities and NaN follow IEEE rules.
     */
    @Override
    public double allReduceSum(double value) {
        double[] one = {value};
        allReduceSum(one);
        return one[0];
    }

    /** Element-wise {@link #allReduceSum(double)} of several scalars in one round. */
    @Override
    public void allReduceSum(double[] values) {
        if (rv.worldSize() == 1) {
            checkOpen("allReduceSum");
            return;
        }
        ByteBuffer mine = ByteBuffer.allocate(values.length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            mine.putDouble(v);
        }
        byte[][] all = gather(OP_SCALARS, mine.array());
        for (int r = 0; r < all.length; r++) {
            if (all[r].length != mine.capacity()) {
                throw new CollectiveException(
                        self + ": allReduceSum(double) #" + calls + ": rank " + r + " summed "
                                + all[r].length / Double.BYTES + " scalars, this rank " + values.length,
                        r,
                        "allReduceSum(double)");
            }
        }
        double[] column = new double[all.length];
        for (int i = 0; i < values.length; i++) {
            for (int r = 0; r < all.length; r++) {
                column[r] =
                        ByteBuffer.wrap(all[r]).order(ByteOrder.LITTLE_ENDIAN).getDouble(i * Double.BYTES);
            }
            values[i] = exactSum(column);
        }
    }

    /** Every rank's block, in rank order; a block has at most {@link #MAX_GATHER_BYTES} (16 MiB). */
    @Override
    public byte[][] allGather(byte[] mine) {
        if (mine.length > MAX_GATHER_BYTES) {
            throw new IllegalArgumentException(
                    "allGather blocks are limited to " + MAX_GATHER_BYTES + " bytes, got " + mine.length);
        }
        if (rv.worldSize() == 1) {
            checkOpen("allGather");
            return new byte[][] {mine.clone()};
        }
        return gather(OP_ALL_GATHER, mine);
    }

    /** Returns once every rank has entered {@code barrier()} (N-1 ring steps of an empty all-gather). */
    @Override
    public void barrier() {
        if (rv.worldSize() == 1) {
            checkOpen("barrier");
            return;
        }
        gather(OP_BARRIER, new byte[0]);
    }

    /** Pipelined chain broadcast from {@code root} along the ring (each rank forwards segments as they arrive). */
    @Override
    public void broadcast(FloatBuffer values, int root) {
        checkRoot(root);
        if (rv.worldSize() == 1) {
            checkOpen("broadcast");
            return;
        }
        Lane lane = lanes[0];
        lane.run(new Broadcast(lane, lane.wire.of(values, WireFormat.FP32), values.remaining(), root), ++calls);
    }

    /** {@link #broadcast(FloatBuffer, int)} of little-endian float32 bytes (see {@link #allReduceSumLittleEndian}). */
    public void broadcastLittleEndian(ByteBuffer floats, int root) {
        if (floats.remaining() % Float.BYTES != 0) {
            throw new IllegalArgumentException(
                    "the byte range holds a partial float: " + floats.remaining() + " bytes");
        }
        checkRoot(root);
        if (rv.worldSize() == 1) {
            checkOpen("broadcast");
            return;
        }
        Lane lane = lanes[0];
        WireBuffers.Span span = lane.wire.ofLittleEndian(floats, WireFormat.FP32);
        lane.run(new Broadcast(lane, span, floats.remaining() / Float.BYTES, root), ++calls);
    }

    private void checkRoot(int root) {
        if (root < 0 || root >= rv.worldSize()) {
            throw new IllegalArgumentException("root " + root + " is not a rank of a world of " + rv.worldSize());
        }
    }

    /** Idempotent; may be called from any thread. A call in progress on another thread fails promptly. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        releaseResources();
    }

    private void releaseResources() {
        for (Lane lane : lanes) {
            lane.release();
        }
        if (laneThreads != null) {
            laneThreads.shutdown();
        }
    }

    /**
     * Nanoseconds this rank's all-reduces have spent, since the ring opened, waiting for the predecessor to start
     * the same call (the time until its header arrived): in a training step, the wait for a slower rank to finish
     * its backward rather than the exchange itself.
     */
    public long waitedNanos() {
        return waitedNanos;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Whether an operation failed (dead peer, timeout, interruption): this rank's view of the run is lost. */
    public boolean isBroken() {
        return broken != null;
    }

    /**
     * What the ring computes for {@code perRank[r]} = rank r's input: chunk c (the split described in the class
     * comment) is summed in float32 starting at rank c, then ranks c+1, ..., c+N-1 (mod N). Tests compare the ring's
     * result to this bit for bit.
     */
    public static float[] referenceSum(float[][] perRank) {
        float[] out = new float[perRank[0].length];
        referenceSum(perRank, 0, out.length, out);
        return out;
    }

    /**
     * {@link #referenceSum(float[][])} of one all-reduce over elements {@code [from, from + length)} of every rank's
     * array (e.g. one bucket of a {@link GradientBuckets} layout), written into the same range of {@code out}.
     */
    public static void referenceSum(float[][] perRank, int from, int length, float[] out) {
        int world = perRank.length;
        for (int c = 0; c < world; c++) {
            int start = from + chunkStart(length, world, c);
            int end = start + chunkLength(length, world, c);
            for (int i = start; i < end; i++) {
                float s = perRank[c][i];
                for (int k = 1; k < world; k++) {
                    s = s + perRank[(c + k) % world][i];
                }
                out[i] = s;
            }
        }
    }

    static int chunkStart(int n, int world, int c) {
        return c * (n / world) + Math.min(c, n % world);
    }

    static int chunkLength(int n, int world, int c) {
        return n / world + (c < n % world ? 1 : 0);
    }

    /** The correctly rounded sum of finite values (IEEE sum when any is infinite or NaN). */
    static double exactSum(double[] xs) {
        boolean allNegativeZero = true;
        for (double x : xs) {
            if (!Double.isFinite(x)) {
                double s = 0;
                for (double y : xs) {
                    s += y;
                }
                return s;
            }
            allNegativeZero &= Double.doubleToRawLongBits(x) == Double.doubleToRawLongBits(-0.0);
        }
        BigDecimal sum = BigDecimal.ZERO;
        for (double x : xs) {
            sum = sum.add(new BigDecimal(x));
        }
        if (sum.signum() == 0) {
            return allNegativeZero ? -0.0 : 0.0;
        }
        return sum.doubleValue();
    }

    /**
     * What the ring computes on the bfloat16 wire ({@link WireFormat#BF16}): as {@link #referenceSum(float[][])},
     * except that every partial sum is rounded to bfloat16 before the next rank adds its float32 value to it, and the
     * finished sum is rounded once more: {@code s = x[c]; s = bf16(s) + x[c+k] for k = 1..N-1; result = bf16(s)}.
     */
    public static float[] referenceSumBf16(float[][] perRank) {
        int world = perRank.length;
        int length = perRank[0].length;
        float[] out = new float[length];
        for (int c = 0; c < world; c++) {
            int start = chunkStart(length, world, c);
            int end = start + chunkLength(length, world, c);
            for (int i = start; i < end; i++) {
                float s = perRank[c][i];
                for (int k = 1; k < world; k++) {
                    s = Bf16.round(s) + perRank[(c + k) % world][i];
                }
                out[i] = world == 1 ? s : Bf16.round(s);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ engine

    /** One collective call on one link as two streams of items: what to send to the successor, what to read. */
    private abstract static class Op {
        final int code;
        final long count;
        final long arg;

        Op(int code, long count, long arg) {
            this.code = code;
            this.count = count;
            this.arg = arg;
        }

        abstract boolean hasSend();

        /** Whether the next send item's data is here (it may wait for a receive and its addition). */
        abstract boolean sendReady();

        /** The bytes of the next send item, positioned; stays untouched until {@link #sendDone()}. */
        abstract ByteBuffer nextSend();

        abstract void sendDone();

        abstract boolean hasRecv();

        /** Where the next receive item goes, or null while no receive segment is free (see {@link #hasPending}). */
        abstract ByteBuffer nextRecv();

        abstract void recvDone();

        /** Whether received items still wait for their addition or copy. */
        boolean hasPending() {
            return false;
        }

        /** Completes the oldest received item that waits. */
        void finishPending() {}

        /** Null when the predecessor's header matches this call, else what differs. */
        String checkPeerHeader(int peerCode, long peerCall, long peerCount, long peerArg, long myCall) {
            if (peerCode != code || peerCall != myCall || peerCount != count || peerArg != arg) {
                return "it is in " + describeOp(peerCode, peerCall, peerCount, peerArg);
            }
            return null;
        }
    }

    static String describeOp(int code, long call, long count, long arg) {
        return switch (code) {
            case OP_ALL_REDUCE -> "allReduceSum #" + call + " (" + count + " floats)";
            case OP_BROADCAST -> "broadcast #" + call + " from rank " + arg + " (" + count + " floats)";
            case OP_ALL_GATHER -> "allGather #" + call + " (step " + arg + ")";
            case OP_SCALARS -> "allReduceSum(double) #" + call + " (step " + arg + ")";
            case OP_BARRIER -> "barrier #" + call + " (step " + arg + ")";
            default -> "unknown operation " + code + " #" + call;
        };
    }

    private void checkOpen(String what) {
        if (broken != null) {
            throw new CollectiveException(
                    self + ": " + what + " on a ring that already failed: " + broken.getMessage(),
                    broken.peerRank(),
                    what,
                    broken);
        }
        if (closed) {
            throw new CollectiveException(self + ": " + what + " on a closed ring", -1, what);
        }
    }

    /** Runs one operation to completion: header first on both streams, then the op's items, all non-blocking. */
    /** One link: a socket to the successor, one from the predecessor, their selector, buffers and seals. */
    private final class Lane {
        private final int index;
        private final String linkName;
        private final SocketChannel toNext;
        private final SocketChannel fromPrevious;
        private final Selector selector;
        private final SelectionKey outKey;
        private final SelectionKey inKey;
        private final WireBuffers wire;
        private final ByteBuffer headerOut;
        private final ByteBuffer headerIn;
        /** Seals of the frames sent to the successor and received from the predecessor; null when sealing is off. */
        private final FrameSeal sealOut;

        private final FrameSeal sealIn;
        private final ByteBuffer tagOut;
        private final ByteBuffer tagIn;

        Lane(int index, Handshake.Link toNext, Handshake.Link fromPrevious) throws IOException {
            this.index = index;
            this.linkName = rv.links() > 1 ? " on link " + index : "";
            this.toNext = toNext.channel();
            this.fromPrevious = fromPrevious.channel();
            selector = Selector.open();
            outKey = this.toNext.register(selector, 0);
            inKey = this.fromPrevious.register(selector, 0);
            wire = new WireBuffers(rv.segmentBytes());
            headerOut = ByteBuffer.allocateDirect(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            headerIn = ByteBuffer.allocateDirect(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            boolean sealed = toNext.frameKey() != null && fromPrevious.frameKey() != null;
            sealOut = sealed ? new FrameSeal(toNext.frameKey()) : null;
            sealIn = sealed ? new FrameSeal(fromPrevious.frameKey()) : null;
            tagOut = sealed ? ByteBuffer.allocate(FrameSeal.TAG_BYTES) : null;
            tagIn = sealed ? ByteBuffer.allocate(FrameSeal.TAG_BYTES) : null;
        }

        void release() {
            if (selector != null) {
                selector.wakeup();
                Io.closeQuietly(selector);
            }
            Io.closeQuietly(toNext);
            Io.closeQuietly(fromPrevious);
        }

        void run(Op op, long call) {
            String name = describeOp(op.code, call, op.count, op.arg) + linkName;
            checkOpen(name);
            int next = rv.next();
            int previous = rv.previous();
            headerOut.clear();
            headerOut
                    .putInt(HEADER_MAGIC)
                    .putInt(op.code)
                    .putLong(call)
                    .putLong(op.count)
                    .putLong(op.arg)
                    .flip();
            headerIn.clear();
            ByteBuffer out = headerOut;
            ByteBuffer in = headerIn;
            // with sealing, every item (header or segment) is followed on the wire by its tag
            boolean outTagNext = sealOut != null;
            boolean inTagNext = sealIn != null;
            if (sealOut != null) {
                sealOut.seal(headerOut, tagOut);
            }
            ByteBuffer inItem = headerIn;
            int inItemFrom = 0;
            boolean headerSent = false;
            boolean headerArrived = false;
            boolean headerReceived = false;
            long timeout = rv.ioTimeout().toNanos();
            long started = System.nanoTime();
            long lastProgress = started;
            try {
                while (true) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw fail(name, -1, "the thread was interrupted", new InterruptedException());
                    }
                    boolean progress = false;
                    // receive first: a peer's header that says why it is about to fail is read before a write
                    // to it can fail on its reset
                    boolean starved = false;
                    if (in == null && headerReceived && op.hasRecv()) {
                        in = op.nextRecv(); // null while every receive segment waits for its addition
                        starved = in == null;
                        if (in != null) {
                            inItem = in;
                            inItemFrom = in.position();
                            inTagNext = sealIn != null;
                        }
                    }
                    if (in != null) {
                        if (in.hasRemaining()) {
                            int n;
                            try {
                                n = fromPrevious.read(in);
                            } catch (IOException e) {
                                throw fail(name, previous, "receiving from rank " + previous + " failed: " + e, e);
                            }
                            if (n < 0) {
                                throw fail(
                                        name,
                                        previous,
                                        "rank " + previous
                                                + " closed the connection (it failed, was killed or left the loop early)",
                                        new EOFException());
                            }
                            progress = n > 0;
                        }
                        if (!in.hasRemaining()) {
                            if (inTagNext) {
                                tagIn.clear();
                                in = tagIn;
                                inTagNext = false;
                            } else {
                                if (sealIn != null) {
                                    checkSeal(inItem, inItemFrom, name, previous);
                                }
                                if (headerReceived) {
                                    op.recvDone();
                                } else {
                                    headerArrived = true;
                                    if (index == 0 && op.code == OP_ALL_REDUCE) {
                                        waitedNanos += System.nanoTime() - started;
                                    }
                                }
                                in = null;
                            }
                            progress = true;
                        }
                    }
                    if (out == null && headerSent && op.hasSend() && op.sendReady()) {
                        out = op.nextSend();
                        if (sealOut != null) {
                            sealOut.seal(out, tagOut);
                            outTagNext = true;
                        }
                    }
                    if (out != null) {
                        if (out.hasRemaining()) {
                            try {
                                progress |= toNext.write(out) > 0;
                            } catch (IOException e) {
                                throw fail(
                                        name,
                                        next,
                                        "sending to rank " + next + " ("
                                                + rv.peers().get(next) + ") failed: " + e,
                                        e);
                            }
                        }
                        if (!out.hasRemaining()) {
                            if (outTagNext) {
                                out = tagOut;
                                outTagNext = false;
                            } else {
                                if (headerSent) {
                                    op.sendDone();
                                }
                                headerSent = true;
                                out = null;
                            }
                            progress = true;
                        }
                    }
                    // the peer's header is checked once this rank's own is out, so that a rank failing on a
                    // mismatch has always told its successor which call it is in
                    if (headerArrived && headerSent) {
                        checkHeader(op, call, name, previous);
                        headerArrived = false;
                        headerReceived = true;
                        progress = true;
                    }
                    // additions fill the time the sockets would keep this thread waiting, and run at once when the
                    // next send or the next receive (no free segment) waits for one
                    if (op.hasPending() && (!progress || out == null || starved)) {
                        op.finishPending();
                        progress = true;
                    }
                    boolean recvLeft = in != null || !headerReceived || op.hasRecv();
                    boolean sendLeft = out != null || !headerSent || op.hasSend();
                    if (!recvLeft && !sendLeft && !op.hasPending()) {
                        return;
                    }
                    if (progress) {
                        lastProgress = System.nanoTime();
                        continue;
                    }
                    long left = lastProgress + timeout - System.nanoTime();
                    if (left <= 0) {
                        throw stalled(name, out != null, recvLeft);
                    }
                    outKey.interestOps(out != null ? SelectionKey.OP_WRITE : 0);
                    inKey.interestOps(in != null && !headerArrived ? SelectionKey.OP_READ : 0);
                    selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                    selector.selectedKeys().clear();
                }
            } catch (CollectiveException e) {
                throw e;
            } catch (ClosedSelectorException | java.nio.channels.CancelledKeyException | IOException e) {
                throw fail(name, -1, "I/O failed: " + e, e);
            } catch (RuntimeException e) {
                throw fail(name, -1, "internal error: " + e, e);
            }
        }

        /** Fails the call unless the frame just received carries the tag its sender computed (see {@link FrameSeal}). */
        private void checkSeal(ByteBuffer frame, int from, String name, int previous) {
            long sequence = sealIn.sequence();
            if (!sealIn.verify(frame, from, tagIn)) {
                throw fail(
                        name,
                        previous,
                        "frame " + sequence + " from rank " + previous + " ("
                                + rv.peers().get(previous)
                                + ") failed its integrity check: it was altered on the wire or did not come from the"
                                + " authenticated peer",
                        null);
            }
        }

        private void checkHeader(Op op, long call, String name, int previous) {
            headerIn.flip();
            int magic = headerIn.getInt();
            if (magic != HEADER_MAGIC) {
                throw fail(
                        name,
                        previous,
                        String.format("rank %d sent a corrupt header (magic 0x%08x)", previous, magic),
                        null);
            }
            int code = headerIn.getInt();
            long peerCall = headerIn.getLong();
            long count = headerIn.getLong();
            long arg = headerIn.getLong();
            String problem = op.checkPeerHeader(code, peerCall, count, arg, call);
            if (problem != null) {
                throw fail(
                        name,
                        previous,
                        "rank " + previous + " made a different call: " + problem
                                + "; every rank must make the same collective calls in the same order (unequal step counts?)",
                        null);
            }
        }

        private CollectiveException stalled(String name, boolean sendBlocked, boolean recvWaiting) {
            int next = rv.next();
            int previous = rv.previous();
            String waited = Io.seconds(rv.ioTimeout().toNanos());
            if (recvWaiting && !sendBlocked) {
                return fail(
                        name,
                        previous,
                        "no data from rank " + previous + " (" + rv.peers().get(previous) + ") for "
                                + waited
                                + " (ioTimeout): it, or a rank before it in the ring, is stalled, dead or not calling "
                                + "this operation",
                        null);
            }
            if (sendBlocked && !recvWaiting) {
                return fail(
                        name,
                        next,
                        "rank " + next + " (" + rv.peers().get(next) + ") has not read for " + waited
                                + " (ioTimeout): it is stalled or dead",
                        null);
            }
            return fail(
                    name,
                    previous,
                    "no progress for " + waited + " (ioTimeout): no data from rank " + previous + " and rank " + next
                            + " is not reading; a rank is stalled or dead",
                    null);
        }

        /** Marks the ring broken, closes the sockets (so the neighbours fail at once too) and returns the exception. */
    }

    private CollectiveException fail(String name, int peer, String problem, Throwable cause) {
        if (cause instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        } else if (closed && broken == null) {
            problem = "the ring was closed (close() was called) during the call";
            peer = -1;
        }
        CollectiveException e = new CollectiveException(self + ": " + name + ": " + problem, peer, name, cause);
        synchronized (this) { // links fail on their own threads: the first one's reason is kept
            if (broken == null) {
                broken = e;
            }
        }
        closed = true;
        releaseResources();
        return e;
    }

    // ---------------------------------------------------------------------------------------------- operations

    /** A received segment waiting for its addition or copy (buffer null: it landed in place). */
    private record Received(ByteBuffer buffer, int off, int len, boolean add, boolean round, int step, int seg) {}

    /** The ring all-reduce on one link (its part of every chunk); see the class comment for the schedule. */
    private final class AllReduce extends Op {
        private final WireBuffers wire;
        private final WireBuffers.Span span;
        private final int n;
        private final int lane;
        private final int links = lanes.length;
        private final int world = rv.worldSize();
        private final int steps = 2 * (world - 1);
        private final int addSteps = world - 1;
        private final boolean roundLast;
        private final ArrayDeque<Received> pending = new ArrayDeque<>();
        private int sendStep;
        private int sendSeg;
        private int recvStep;
        private int recvSeg;
        /** The receive items completed (added or copied), in order: all of steps before doneStep, doneSeg of it. */
        private int doneStep;

        private int doneSeg;
        private ByteBuffer receiving;

        AllReduce(Lane lane, WireBuffers.Span span, int n) {
            super(OP_ALL_REDUCE, n, (long) rv.wireFormat().ordinal() << 8 | lane.index);
            this.wire = lane.wire;
            this.span = span;
            this.n = n;
            this.lane = lane.index;
            this.roundLast = rv.wireFormat() != WireFormat.FP32;
            this.sendStep = skipEmpty(0, 0);
            this.recvStep = skipEmpty(0, 1);
            this.doneStep = recvStep;
        }

        private int chunk(int step, int shift) {
            return Math.floorMod(rv.rank() - step - shift, world);
        }

        /** Floats of chunk c on this link: part {@code lane} of the chunk cut into {@code links} parts. */
        private int partLength(int c) {
            return chunkLength(chunkLength(n, world, c), links, lane);
        }

        private int segments(int c) {
            return (partLength(c) + segmentFloats - 1) / segmentFloats;
        }

        private int skipEmpty(int step, int shift) {
            while (step < steps && segments(chunk(step, shift)) == 0) {
                step++;
            }
            return step;
        }

        private int segOffset(int c, int seg) {
            return chunkStart(n, world, c) + chunkStart(chunkLength(n, world, c), links, lane) + seg * segmentFloats;
        }

        private int segLength(int c, int seg) {
            return Math.min(segmentFloats, partLength(c) - seg * segmentFloats);
        }

        @Override
        boolean hasSend() {
            return sendStep < steps;
        }

        @Override
        boolean sendReady() {
            // the chunk sent in step g is the one received (and added) in step g-1
            return sendStep == 0 || doneStep > sendStep - 1 || (doneStep == sendStep - 1 && doneSeg > sendSeg);
        }

        @Override
        ByteBuffer nextSend() {
            int c = chunk(sendStep, 0);
            return span.stageOut(segOffset(c, sendSeg), segLength(c, sendSeg));
        }

        @Override
        void sendDone() {
            if (++sendSeg == segments(chunk(sendStep, 0))) {
                sendSeg = 0;
                sendStep = skipEmpty(sendStep + 1, 0);
            }
        }

        @Override
        boolean hasRecv() {
            return recvStep < steps;
        }

        @Override
        ByteBuffer nextRecv() {
            int c = chunk(recvStep, 1);
            int off = segOffset(c, recvSeg);
            int len = segLength(c, recvSeg);
            ByteBuffer inPlace = recvStep < addSteps ? null : span.inPlace(off, len);
            if (inPlace != null) {
                receiving = null;
                return inPlace;
            }
            receiving = wire.takeReceive(span.wireBytes(len));
            return receiving;
        }

        @Override
        void recvDone() {
            int c = chunk(recvStep, 1);
            boolean add = recvStep < addSteps;
            pending.add(new Received(
                    receiving,
                    segOffset(c, recvSeg),
                    segLength(c, recvSeg),
                    add,
                    add && roundLast && recvStep == addSteps - 1,
                    recvStep,
                    recvSeg));
            receiving = null;
            if (++recvSeg == segments(c)) {
                recvSeg = 0;
                recvStep = skipEmpty(recvStep + 1, 1);
            }
            while (!pending.isEmpty() && pending.peek().buffer() == null) {
                finishPending(); // landed in place: nothing to do but count it, in order
            }
        }

        @Override
        boolean hasPending() {
            return !pending.isEmpty();
        }

        @Override
        void finishPending() {
            Received r = pending.poll();
            if (r.buffer() != null) {
                r.buffer().flip();
                span.finish(r.buffer(), r.off(), r.len(), r.add(), r.round());
                wire.releaseReceive(r.buffer());
            }
            if (r.seg() + 1 == segments(chunk(r.step(), 1))) {
                doneStep = skipEmpty(r.step() + 1, 1);
                doneSeg = 0;
            } else {
                doneStep = r.step();
                doneSeg = r.seg() + 1;
            }
        }
    }

    /** Chain broadcast: root sends, ranks root+1..root-2 receive and forward each segment, root-1 only receives. */
    private final class Broadcast extends Op {
        private final WireBuffers wire;
        private final WireBuffers.Span span;
        private final int n;
        private final int segments;
        private final boolean sends;
        private final boolean receives;
        private int sent;
        private int received;
        private ByteBuffer receiving;

        Broadcast(Lane lane, WireBuffers.Span span, int n, int root) {
            super(OP_BROADCAST, n, root);
            this.wire = lane.wire;
            this.span = span;
            this.n = n;
            this.segments = (n + segmentFloats - 1) / segmentFloats;
            int distance = Math.floorMod(rv.rank() - root, rv.worldSize());
            this.sends = distance < rv.worldSize() - 1;
            this.receives = distance > 0;
        }

        private int length(int seg) {
            return Math.min(segmentFloats, n - seg * segmentFloats);
        }

        @Override
        boolean hasSend() {
            return sends && sent < segments;
        }

        @Override
        boolean sendReady() {
            return !receives || received > sent;
        }

        @Override
        ByteBuffer nextSend() {
            return span.stageOut(sent * segmentFloats, length(sent));
        }

        @Override
        void sendDone() {
            sent++;
        }

        @Override
        boolean hasRecv() {
            return receives && received < segments;
        }

        @Override
        ByteBuffer nextRecv() {
            ByteBuffer inPlace = span.inPlace(received * segmentFloats, length(received));
            receiving = inPlace != null ? null : wire.takeReceive(span.wireBytes(length(received)));
            return inPlace != null ? inPlace : receiving;
        }

        @Override
        void recvDone() {
            if (receiving != null) {
                receiving.flip();
                span.finish(receiving, received * segmentFloats, length(received), false, false);
                wire.releaseReceive(receiving);
                receiving = null;
            }
            received++;
        }
    }

    private static final class GatherStep extends Op {
        private final ByteBuffer block;
        private boolean sentBlock;
        private ByteBuffer incoming;
        private boolean receivedBlock;

        GatherStep(int code, byte[] block, int step) {
            super(code, block.length, step);
            this.block = ByteBuffer.wrap(block);
        }

        @Override
        String checkPeerHeader(int peerCode, long peerCall, long peerCount, long peerArg, long myCall) {
            if (peerCode != code || peerCall != myCall || peerArg != arg) {
                return "it is in " + describeOp(peerCode, peerCall, peerCount, peerArg);
            }
            if (peerCount < 0 || peerCount > MAX_GATHER_BYTES) {
                return "it announced a block of " + peerCount + " bytes";
            }
            incoming = ByteBuffer.allocate((int) peerCount);
            return null;
        }

        @Override
        boolean hasSend() {
            return !sentBlock;
        }

        @Override
        boolean sendReady() {
            return true;
        }

        @Override
        ByteBuffer nextSend() {
            return block;
        }

        @Override
        void sendDone() {
            sentBlock = true;
        }

        @Override
        boolean hasRecv() {
            return !receivedBlock;
        }

        @Override
        ByteBuffer nextRecv() {
            return incoming;
        }

        @Override
        void recvDone() {
            receivedBlock = true;
        }
    }

    /** Ring all-gather: in step g rank r forwards block r-g and receives block r-g-1. */
    private byte[][] gather(int code, byte[] mine) {
        int world = rv.worldSize();
        byte[][] blocks = new byte[world][];
        blocks[rv.rank()] = mine.clone();
        long call = ++calls; // all steps of one gather share its call number
        for (int step = 0; step < world - 1; step++) {
            GatherStep op = new GatherStep(code, blocks[Math.floorMod(rv.rank() - step, world)], step);
            lanes[0].run(op, call);
            blocks[Math.floorMod(rv.rank() - step - 1, world)] = op.incoming.array();
        }
        return blocks;
    }

    @Override
    public String toString() {
        return "RingCollective[" + self + (closed ? ", closed" : "") + "]";
    }
}
