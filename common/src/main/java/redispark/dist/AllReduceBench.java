package redispark.dist;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.ToLongFunction;

/**
 * Measures the ring all-reduce against the machine it runs on: N ranks as threads of this JVM on 127.0.0.1, and
 * in the same run the transport and the arithmetic it is built from.
 *
 * <p>All rates are in GB/s, decimal gigabytes (10^9 bytes) per second, as in nccl-tests; the {@code _gbps} keys
 * mean exactly that, not gigabits.
 * <ul>
 *   <li>{@code busbw} = {@code 2(N-1)/N * S / t}, nccl-tests' bus bandwidth of an all-reduce of S bytes taking t
 *       (median over the timed iterations of the slowest rank's time); comparable to one link's one-way rate.
 *   <li>{@code exchange}: the yardstick. The same N threads in a ring of plain sockets ({@link RawTransfer}), each
 *       sending {@code 2(N-1)/N * S} bytes to its successor while receiving as many from its predecessor, on one
 *       thread with non-blocking I/O and direct buffers of the segment size, no protocol, no additions; as busbw.
 *       An all-reduce cannot beat it on the same cores, so {@code ratio} = busbw / exchange is the share of the
 *       transport's rate the ring achieves.
 *   <li>{@code loopback}: S bytes from one thread to another over one plain socket, one direction.
 *   <li>{@code reduce}: the host's float32 addition as a receive does it (S bytes of received floats added into S
 *       bytes of local floats, direct buffers), in destination bytes per second of the thread's CPU time.
 *   <li>{@code sealed_busbw}: busbw of the same all-reduce with every frame sealed ({@link FrameSeal}, off by
 *       default); {@code seal_cost_pct} = how much longer the sealed all-reduce takes, in percent of the unsealed
 *       one.
 * </ul>
 * The all-reduce, the exchange and the sealed all-reduce are timed in turn, twice each, and each keeps its faster
 * run, so load that comes and goes hits them alike. On one host the ranks and the kernel's loopback copies share the
 * cores; across machines each rank has its own cores and link.
 */
public final class AllReduceBench {

    private static final int WARMUP = 2;
    private static final int ITERATIONS = 7;
    private static final int ROUNDS = 2;

    private AllReduceBench() {}

    /**
     * The measurements: rates in GB/s (10^9 bytes per second); times in milliseconds per call, wall time of the
     * slowest rank (median) and CPU time summed over all ranks' threads (mean), which shows how much of the wall
     * time the ranks actually ran (on a shared machine, much less).
     */
    public record Result(
            int ranks,
            int mib,
            int segmentBytes,
            double busbwGBps,
            double exchangeGBps,
            double loopbackGBps,
            double reduceGBps,
            double sealedBusbwGBps,
            double memcpyGBps,
            double allReduceMillis,
            double allReduceCpuMillis,
            double oneFloatMicros,
            double small64KiBMicros) {

        /** The all-reduce's bus bandwidth over the raw two-way exchange's. */
        public double ratio() {
            return busbwGBps / exchangeGBps;
        }

        /** Extra time of the sealed all-reduce over the unsealed one, in percent of the unsealed one. */
        public double sealCostPercent() {
            return 100 * (busbwGBps / sealedBusbwGBps - 1);
        }

        /**
         * {@code allreduce ranks=N mib=S busbw_gbps=B exchange_gbps=E loopback_gbps=L reduce_gbps=R ratio=B/E
         * sealed_busbw_gbps=W seal_cost_pct=C}, rates in GB/s; busbw is the default setting's (frames not sealed).
         */
        public String line() {
            return String.format(
                    Locale.ROOT,
                    "allreduce ranks=%d mib=%d busbw_gbps=%.3f exchange_gbps=%.3f loopback_gbps=%.3f reduce_gbps=%.3f"
                            + " ratio=%.3f sealed_busbw_gbps=%.3f seal_cost_pct=%.1f",
                    ranks,
                    mib,
                    busbwGBps,
                    exchangeGBps,
                    loopbackGBps,
                    reduceGBps,
                    ratio(),
                    sealedBusbwGBps,
                    sealCostPercent());
        }
    }

    /** Runs the benchmark with 1 MiB segments and returns {@link Result#line()}. */
    public static String run(int ranks, int mib) {
        return measure(ranks, mib, Rendezvous.DEFAULT_SEGMENT_BYTES).line();
    }

    public static Result measure(int ranks, int mib, int segmentBytes) {
        if (ranks < 2) {
            throw new IllegalArgumentException("an all-reduce benchmark needs at least 2 ranks, got " + ranks);
        }
        if (mib < 1 || mib > 1024) {
            throw new IllegalArgumentException("mib must be 1..1024, got " + mib);
        }
        int bytes = mib << 20;
        double factor = 2.0 * (ranks - 1) / ranks;
        long perRank = (long) (factor * bytes) / Float.BYTES * Float.BYTES;
        RingCall sum = (ring, data) -> ring.allReduceSumLittleEndian(data);
        Timing allReduce = null;
        Timing sealed = null;
        long exchange = Long.MAX_VALUE;
        for (int round = 0; round < ROUNDS; round++) {
            allReduce = faster(allReduce, timeRing(ranks, bytes, segmentBytes, false, sum));
            exchange = Math.min(exchange, RawTransfer.ring(ranks, perRank, segmentBytes, ITERATIONS, false));
            sealed = faster(sealed, timeRing(ranks, bytes, segmentBytes, true, sum));
        }
        long loopback = RawTransfer.oneWay(bytes, segmentBytes, ITERATIONS);
        long reduce = timeReduce(bytes, segmentBytes);
        long memcpy = timeMemcpy(bytes);
        double[] latency = latencyMicros(ranks, segmentBytes);
        return new Result(
                ranks,
                mib,
                segmentBytes,
                factor * bytes / allReduce.wallNanos,
                (double) perRank / exchange,
                (double) bytes / loopback,
                (double) bytes / reduce,
                factor * bytes / sealed.wallNanos,
                (double) bytes / memcpy,
                allReduce.wallNanos / 1e6,
                allReduce.cpuNanos / 1e6,
                latency[0],
                latency[1]);
    }

    /**
     * Median CPU nanoseconds of this thread to add {@code bytes} of received floats into as many local ones, as the
     * receives of an all-reduce do: one segment-size receive buffer added into each segment of the local floats in
     * turn. CPU time, so that other load on the machine does not enter the figure.
     */
    private static long timeReduce(int bytes, int segmentBytes) {
        WireBuffers wire = new WireBuffers(segmentBytes);
        java.nio.FloatBuffer received = ByteBuffer.allocateDirect(segmentBytes)
                .order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer();
        java.nio.FloatBuffer local =
                ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        for (int i = 0; i < received.capacity(); i++) {
            received.put(i, 1.0f + (i & 1023) / 1024f);
        }
        int segmentFloats = segmentBytes / Float.BYTES;
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long[] times = new long[ITERATIONS];
        for (int it = -WARMUP; it < ITERATIONS; it++) {
            long start = mx.getCurrentThreadCpuTime();
            for (int at = 0; at < local.capacity(); at += segmentFloats) {
                int len = Math.min(segmentFloats, local.capacity() - at);
                wire.add(received, local.slice(at, len));
            }
            if (it >= 0) {
                times[it] = mx.getCurrentThreadCpuTime() - start;
            }
        }
        return median(times);
    }

    /** Mean microseconds per back-to-back all-reduce of 1 float and of 64 KiB (16384 floats), float[] path. */
    private static double[] latencyMicros(int ranks, int segmentBytes) {
        Duration timeout = Duration.ofSeconds(120);
        List<RingCollective> rings = RingCollective.openLoopback(ranks, timeout, timeout, segmentBytes);
        try {
            int calls = 200;
            List<CompletableFuture<double[]>> work = new ArrayList<>();
            for (RingCollective ring : rings) {
                work.add(CompletableFuture.supplyAsync(
                        () -> {
                            double[] out = new double[2];
                            int k = 0;
                            for (int floats : new int[] {1, 16384}) {
                                float[] v = new float[floats];
                                for (int i = 0; i < calls / 4; i++) {
                                    ring.allReduceSum(v); // warm-up
                                }
                                ring.barrier();
                                long start = System.nanoTime();
                                for (int i = 0; i < calls; i++) {
                                    ring.allReduceSum(v);
                                }
                                out[k++] = (System.nanoTime() - start) / 1e3 / calls;
                            }
                            return out;
                        },
                        runnable -> {
                            Thread t = new Thread(runnable, "bench-latency-rank" + ring.rank());
                            t.setDaemon(true);
                            t.start();
                        }));
            }
            double[] worst = new double[2];
            for (CompletableFuture<double[]> f : work) {
                double[] d = f.get();
                worst[0] = Math.max(worst[0], d[0]);
                worst[1] = Math.max(worst[1], d[1]);
            }
            return worst;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("benchmark rank failed: " + e.getCause(), e.getCause());
        } finally {
            rings.forEach(RingCollective::close);
        }
    }

    /** Median wall time of the slowest rank, and mean CPU time of all ranks together, per call. */
    private record Timing(long wallNanos, long cpuNanos) {}

    private static Timing faster(Timing best, Timing t) {
        return best == null || t.wallNanos < best.wallNanos ? t : best;
    }

    @FunctionalInterface
    private interface RingCall {
        void call(RingCollective ring, ByteBuffer data);
    }

    /** Median over iterations of the slowest rank's nanoseconds for one call; ranks line up with a barrier first. */
    private static Timing timeRing(int ranks, int bytes, int segmentBytes, boolean seal, RingCall call) {
        Duration timeout = Duration.ofSeconds(120);
        List<RingCollective> rings = RingCollective.openLoopback(ranks, timeout, timeout, segmentBytes, seal);
        try {
            List<CompletableFuture<long[]>> work = new ArrayList<>();
            for (RingCollective ring : rings) {
                CompletableFuture<long[]> f = new CompletableFuture<>();
                Thread t = new Thread(
                        () -> {
                            try {
                                ByteBuffer data =
                                        ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
                                for (int i = 0; i < bytes; i += Float.BYTES) {
                                    data.putFloat(i, 1.0f + (i & 1023) / 1024f);
                                }
                                long[] times = new long[ITERATIONS + 1];
                                var mx = java.lang.management.ManagementFactory.getThreadMXBean();
                                for (int it = -WARMUP; it < ITERATIONS; it++) {
                                    ring.barrier();
                                    long cpu = mx.getCurrentThreadCpuTime();
                                    long start = System.nanoTime();
                                    call.call(ring, data);
                                    if (it >= 0) {
                                        times[it] = System.nanoTime() - start;
                                        times[ITERATIONS] += mx.getCurrentThreadCpuTime() - cpu;
                                    }
                                }
                                f.complete(times);
                            } catch (Throwable e) {
                                f.completeExceptionally(e);
                            }
                        },
                        "bench-rank" + ring.rank());
                t.setDaemon(true);
                t.start();
                work.add(f);
            }
            long[] slowest = new long[ITERATIONS];
            long cpu = 0;
            for (CompletableFuture<long[]> f : work) {
                long[] times = f.get();
                cpu += times[ITERATIONS];
                for (int i = 0; i < ITERATIONS; i++) {
                    slowest[i] = Math.max(slowest[i], times[i]);
                }
            }
            return new Timing(median(slowest), cpu / ITERATIONS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("benchmark rank failed: " + e.getCause(), e.getCause());
        } finally {
            rings.forEach(RingCollective::close);
        }
    }

    private static long timeMemcpy(int bytes) {
        ByteBuffer src = ByteBuffer.allocateDirect(bytes);
        ByteBuffer dst = ByteBuffer.allocateDirect(bytes);
        ToLongFunction<Void> once = v -> {
            src.clear();
            dst.clear();
            long start = System.nanoTime();
            dst.put(src);
            return System.nanoTime() - start;
        };
        long[] times = new long[ITERATIONS];
        for (int it = -WARMUP; it < ITERATIONS; it++) {
            long t = once.applyAsLong(null);
            if (it >= 0) {
                times[it] = t;
            }
        }
        return median(times);
    }

    private static long median(long[] xs) {
        long[] sorted = xs.clone();
        Arrays.sort(sorted);
        return Math.max(1, sorted[sorted.length / 2]);
    }

    /** {@code java ... redispark.dist.AllReduceBench [ranks=2] [mib=64] [segmentKiB=1024]}: prints the line. */
    public static void main(String[] args) {
        int ranks = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int mib = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int segment = args.length > 2 ? Integer.parseInt(args[2]) << 10 : Rendezvous.DEFAULT_SEGMENT_BYTES;
        Result r = measure(ranks, mib, segment);
        System.out.println(r.line());
        System.out.printf(
                Locale.ROOT,
                "# segment=%d KiB allreduce_ms=%.1f cpu_ms_per_call(all ranks)=%.1f memcpy_gbps=%.3f"
                        + " latency_us: 1 float=%.0f 64 KiB=%.0f%n",
                segment >> 10,
                r.allReduceMillis(),
                r.allReduceCpuMillis(),
                r.memcpyGBps(),
                r.oneFloatMicros(),
                r.small64KiBMicros());
    }
}
