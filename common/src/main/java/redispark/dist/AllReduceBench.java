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
 *       transport's rate the ring achieves. With the bfloat16 wire the all-reduce moves half those bytes, so its
 *       ratio may pass 1.
 *   <li>{@code loopback}: S bytes from one thread to another over one plain socket, one direction.
 *   <li>{@code reduce}: the host's float32 addition as a receive does it (S bytes of received floats added into S
 *       bytes of local floats, direct buffers), in destination bytes per second of the thread's CPU time.
 *   <li>{@code sealed_busbw}: busbw of the same all-reduce with every frame sealed ({@link FrameSeal}, off by
 *       default); {@code seal_cost_pct} = how much longer the sealed all-reduce takes, in percent of the unsealed
 *       one.
 * </ul>
 * Every timed iteration runs the all-reduce, the exchange and the sealed all-reduce back to back on the same
 * threads and buffers; {@code ratio} and {@code seal_cost_pct} are medians of the per-iteration quotients, so load
 * that comes and goes hits both sides of each quotient alike. On one host the ranks and the kernel's loopback copies
 * share the cores; across machines each rank has its own cores and link.
 */
public final class AllReduceBench {

    private static final int WARMUP = 2;
    private static final int ITERATIONS = 9;

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
            double ratio,
            double sealCostPercent,
            double allReduceMillis,
            double allReduceCpuMillis,
            double oneFloatMicros,
            double small64KiBMicros) {

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
                    ratio,
                    sealedBusbwGBps,
                    sealCostPercent);
        }
    }

    /** Runs the benchmark with the default segments, one link and the float32 wire; returns {@link Result#line()}. */
    public static String run(int ranks, int mib) {
        return measure(ranks, mib, Rendezvous.DEFAULT_SEGMENT_BYTES, Rendezvous.DEFAULT_LINKS, WireFormat.FP32)
                .line();
    }

    public static Result measure(int ranks, int mib, int segmentBytes, int links, WireFormat wire) {
        if (ranks < 2) {
            throw new IllegalArgumentException("an all-reduce benchmark needs at least 2 ranks, got " + ranks);
        }
        if (mib < 1 || mib > 1024) {
            throw new IllegalArgumentException("mib must be 1..1024, got " + mib);
        }
        int bytes = mib << 20;
        double factor = 2.0 * (ranks - 1) / ranks;
        // the bytes each rank moves each way: those of the float32 all-reduce, whatever the wire format
        long perRank = (long) (factor * bytes) / Float.BYTES * Float.BYTES;
        // one buffer per rank, reused by every phase, so that 1 GiB needs ranks GiB of direct memory and no more
        List<ByteBuffer> data = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            ByteBuffer d = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < bytes; i += Float.BYTES) {
                d.putFloat(i, 1.0f + (i & 1023) / 1024f);
            }
            data.add(d);
        }
        Paired paired = timePaired(ranks, data, perRank, segmentBytes, links, wire);
        long loopback = RawTransfer.oneWay(bytes, segmentBytes, ITERATIONS);
        long reduce = timeReduce(data.get(0), segmentBytes);
        long memcpy = timeMemcpy(data.get(0), data.get(1));
        double[] latency = latencyMicros(ranks, segmentBytes);
        return new Result(
                ranks,
                mib,
                segmentBytes,
                factor * bytes / paired.allReduce,
                (double) perRank / paired.exchange,
                (double) bytes / loopback,
                (double) bytes / reduce,
                factor * bytes / paired.sealed,
                (double) bytes / memcpy,
                paired.ratio,
                paired.sealCostPercent,
                paired.allReduce / 1e6,
                paired.cpuNanos / 1e6,
                latency[0],
                latency[1]);
    }

    /**
     * Medians over the timed iterations (each the slowest rank's time) of the all-reduce, the raw exchange and the
     * sealed all-reduce, which run back to back within every iteration; ratio and seal cost are medians of the
     * per-iteration quotients, so load that comes and goes hits both sides of each quotient alike.
     */
    private record Paired(
            long allReduce, long exchange, long sealed, double ratio, double sealCostPercent, long cpuNanos) {}

    private static Paired timePaired(
            int ranks, List<ByteBuffer> data, long perRank, int segmentBytes, int links, WireFormat wire) {
        Duration timeout = Duration.ofSeconds(300);
        List<RingCollective> plain = open(ranks, segmentBytes, false, links, wire, timeout);
        List<RingCollective> sealed = null;
        try (RawTransfer.Ring raw = RawTransfer.Ring.open(ranks, segmentBytes)) {
            sealed = open(ranks, segmentBytes, true, links, wire, timeout);
            List<RingCollective> sealedRings = sealed;
            List<CompletableFuture<long[][]>> work = new ArrayList<>();
            for (int r = 0; r < ranks; r++) {
                int rank = r;
                CompletableFuture<long[][]> f = new CompletableFuture<>();
                Thread t = new Thread(
                        () -> {
                            try {
                                f.complete(rankLoop(
                                        rank, plain.get(rank), sealedRings.get(rank), raw, data.get(rank), perRank));
                            } catch (Throwable e) {
                                f.completeExceptionally(e);
                            }
                        },
                        "bench-rank" + r);
                t.setDaemon(true);
                t.start();
                work.add(f);
            }
            long[][] slowest = new long[3][ITERATIONS];
            long cpu = 0;
            for (CompletableFuture<long[][]> f : work) {
                long[][] times = f.get();
                cpu += times[3][0];
                for (int k = 0; k < 3; k++) {
                    for (int i = 0; i < ITERATIONS; i++) {
                        slowest[k][i] = Math.max(slowest[k][i], times[k][i]);
                    }
                }
            }
            double[] ratios = new double[ITERATIONS];
            double[] sealCosts = new double[ITERATIONS];
            double factor = 2.0 * (ranks - 1) / ranks;
            for (int i = 0; i < ITERATIONS; i++) {
                double busbw = factor * data.get(0).capacity() / slowest[0][i];
                ratios[i] = busbw / ((double) perRank / slowest[1][i]);
                sealCosts[i] = 100.0 * slowest[2][i] / slowest[0][i] - 100.0;
            }
            return new Paired(
                    median(slowest[0]),
                    median(slowest[1]),
                    median(slowest[2]),
                    median(ratios),
                    median(sealCosts),
                    cpu / ITERATIONS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("benchmark rank failed: " + e.getCause(), e.getCause());
        } finally {
            plain.forEach(RingCollective::close);
            if (sealed != null) {
                sealed.forEach(RingCollective::close);
            }
        }
    }

    private static List<RingCollective> open(
            int ranks, int segmentBytes, boolean seal, int links, WireFormat wire, Duration timeout) {
        return RingSetup.openLoopback(ranks, timeout, timeout, segmentBytes, seal, links, wire);
    }

    /**
     * One rank's iterations: all-reduce, raw exchange, sealed all-reduce, each after a barrier. Rows: nanoseconds
     * of each, per timed iteration; row 3 holds the CPU nanoseconds of this thread's unsealed all-reduces.
     */
    private static long[][] rankLoop(
            int rank, RingCollective plain, RingCollective sealed, RawTransfer.Ring raw, ByteBuffer data, long perRank)
            throws java.io.IOException {
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long[][] times = new long[4][ITERATIONS];
        for (int it = -WARMUP; it < ITERATIONS; it++) {
            plain.barrier();
            long cpu = mx.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            plain.allReduceSumLittleEndian(data.clear());
            long allReduce = System.nanoTime() - start;
            cpu = mx.getCurrentThreadCpuTime() - cpu;
            plain.barrier();
            long exchange = raw.exchange(rank, perRank, true, true);
            sealed.barrier();
            start = System.nanoTime();
            sealed.allReduceSumLittleEndian(data.clear());
            long sealedTime = System.nanoTime() - start;
            if (it >= 0) {
                times[0][it] = allReduce;
                times[1][it] = exchange;
                times[2][it] = sealedTime;
                times[3][0] += cpu;
            }
        }
        return times;
    }

    /**
     * Median CPU nanoseconds of this thread to add one segment of received floats into each segment of
     * {@code local} in turn, as the receives of an all-reduce do. CPU time, so that other load on the machine does
     * not enter the figure.
     */
    private static long timeReduce(ByteBuffer local, int segmentBytes) {
        WireBuffers wire = new WireBuffers(segmentBytes);
        java.nio.FloatBuffer received = ByteBuffer.allocateDirect(segmentBytes)
                .order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer();
        java.nio.FloatBuffer floats =
                local.duplicate().clear().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        for (int i = 0; i < received.capacity(); i++) {
            received.put(i, 1.0f + (i & 1023) / 1024f);
        }
        int segmentFloats = segmentBytes / Float.BYTES;
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long[] times = new long[ITERATIONS];
        for (int it = -WARMUP; it < ITERATIONS; it++) {
            long start = mx.getCurrentThreadCpuTime();
            for (int at = 0; at < floats.capacity(); at += segmentFloats) {
                int len = Math.min(segmentFloats, floats.capacity() - at);
                wire.add(received, floats.slice(at, len));
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

    private static long timeMemcpy(ByteBuffer source, ByteBuffer target) {
        ByteBuffer src = source.duplicate();
        ByteBuffer dst = target.duplicate();
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

    private static double median(double[] xs) {
        double[] sorted = xs.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /**
     * {@code java ... redispark.dist.AllReduceBench [ranks=2] [mib=64] [segmentKiB=1024] [links=1] [wire=fp32]}:
     * prints the line.
     */
    public static void main(String[] args) {
        int ranks = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int mib = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int segment = args.length > 2 ? Integer.parseInt(args[2]) << 10 : Rendezvous.DEFAULT_SEGMENT_BYTES;
        int links = args.length > 3 ? Integer.parseInt(args[3]) : Rendezvous.DEFAULT_LINKS;
        WireFormat wire = args.length > 4 ? WireFormat.parse(args[4]) : WireFormat.FP32;
        Result r = measure(ranks, mib, segment, links, wire);
        System.out.println(r.line());
        System.out.printf(
                Locale.ROOT,
                "# segment=%d KiB links=%d wire=%s allreduce_ms=%.1f cpu_ms_per_call(all ranks)=%.1f memcpy_gbps=%.3f"
                        + " latency_us: 1 float=%.0f 64 KiB=%.0f%n",
                segment >> 10,
                links,
                wire.label(),
                r.allReduceMillis(),
                r.allReduceCpuMillis(),
                r.memcpyGBps(),
                r.oneFloatMicros(),
                r.small64KiBMicros());
    }
}
