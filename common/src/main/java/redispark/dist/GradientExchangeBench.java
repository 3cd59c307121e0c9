package redispark.dist;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import redispark.model.HostStaging;

/**
 * The gradient exchange as a training replica runs it, many times over: N ranks (threads of this JVM on 127.0.0.1),
 * each with live parameters and gradients, call {@link Replicas#sumGradients} once per step. After every exchange
 * each rank reads its own gradient arrays back and compares them, bit for bit, with the reference sum of all ranks'
 * inputs ({@link RingCollective#referenceSum} per bucket). The native heap in use ({@link NativeHeap}), the
 * process's resident memory and rank 0's count of live NDArrays are sampled after a short warm-up and after the last
 * step, so a leak per step shows as growth.
 */
public final class GradientExchangeBench {

    /** Tensor shapes of the exchanged "model": uneven sizes, so tensors start mid-bucket and span buckets. */
    private static final long[][] SHAPES = {{256, 384}, {384}, {1000, 97}, {7}, {3, 128, 129}, {50_000}};

    /** The first sample is taken after this many steps (class loading, JIT and first-use allocations done). */
    private static final int WARM_UP_STEPS = 10;

    private GradientExchangeBench() {}

    /**
     * @param exact every rank's gradients equalled the reference sum bit for bit after every step
     * @param rssFirstMib resident memory after the warm-up (MiB; -1 where /proc is not available)
     * @param nativeFirstMib native heap in use after the warm-up ({@link NativeHeap}; MiB, -1 where unknown)
     * @param arraysFirst live NDArrays of rank 0's manager after the warm-up
     */
    public record Result(
            int ranks,
            int steps,
            HostStaging.Mode staging,
            long floats,
            int buckets,
            boolean exact,
            double rssFirstMib,
            double rssLastMib,
            double nativeFirstMib,
            double nativeLastMib,
            int arraysFirst,
            int arraysLast,
            double msPerStep) {

        /** Growth of the native heap in use between the two samples (a leak per step shows here). */
        public double nativeGrowthMib() {
            return nativeLastMib - nativeFirstMib;
        }

        /** {@code exchange ranks=N steps=S staging=force floats=F buckets=B exact=true rss_first_mib=… …}. */
        public String line() {
            return String.format(
                    Locale.ROOT,
                    "exchange ranks=%d steps=%d staging=%s floats=%d buckets=%d exact=%s "
                            + "rss_first_mib=%.1f rss_last_mib=%.1f native_first_mib=%.1f native_last_mib=%.1f "
                            + "native_reserved_mib=%.1f ndarrays_first=%d ndarrays_last=%d ms_per_step=%.2f",
                    ranks,
                    steps,
                    staging.label(),
                    floats,
                    buckets,
                    exact,
                    rssFirstMib,
                    rssLastMib,
                    nativeFirstMib,
                    nativeLastMib,
                    NativeHeap.reservedMib(),
                    arraysFirst,
                    arraysLast,
                    msPerStep);
        }
    }

    /** Runs {@code steps} exchanges between {@code ranks} loopback ranks through a staging buffer of {@code bufferBytes}. */
    public static Result run(int ranks, int steps, HostStaging.Mode mode, int bufferBytes) {
        if (ranks < 2 || steps < 1) {
            throw new IllegalArgumentException(
                    "the exchange needs >= 2 ranks and >= 1 step, got " + ranks + " and " + steps);
        }
        long[] sizes = new long[SHAPES.length];
        List<String> names = new ArrayList<>();
        for (int t = 0; t < SHAPES.length; t++) {
            sizes[t] = new Shape(SHAPES[t]).size();
            names.add(String.format(Locale.ROOT, "p%02d", t));
        }
        GradientBuckets layout = new GradientBuckets(names, sizes, bufferBytes);
        List<RingCollective> ring = RingCollective.openLoopback(ranks, Duration.ofSeconds(30));
        try {
            List<CompletableFuture<RankResult>> futures = new ArrayList<>();
            for (RingCollective c : ring) {
                CompletableFuture<RankResult> f = new CompletableFuture<>();
                Thread thread = new Thread(
                        () -> {
                            try {
                                f.complete(rank(c, names, steps, mode, bufferBytes, layout));
                            } catch (Throwable e) {
                                f.completeExceptionally(e);
                                ring.forEach(RingCollective::close); // release the other ranks from their waits
                            }
                        },
                        "exchange-rank" + c.rank());
                thread.setDaemon(true);
                thread.start();
                futures.add(f);
            }
            List<RankResult> results = new ArrayList<>();
            for (CompletableFuture<RankResult> f : futures) {
                results.add(f.get(30 + steps, TimeUnit.SECONDS));
            }
            RankResult first = results.get(0);
            boolean exact = results.stream().allMatch(RankResult::exact);
            return new Result(
                    ranks,
                    steps,
                    mode,
                    layout.totalFloats(),
                    layout.bucketCount(),
                    exact,
                    first.rssFirstMib(),
                    first.rssLastMib(),
                    first.nativeFirstMib(),
                    first.nativeLastMib(),
                    first.arraysFirst(),
                    first.arraysLast(),
                    first.seconds() * 1e3 / steps);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a rank failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the exchange hung", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            ring.forEach(RingCollective::close);
        }
    }

    private record RankResult(
            boolean exact,
            double rssFirstMib,
            double rssLastMib,
            double nativeFirstMib,
            double nativeLastMib,
            int arraysFirst,
            int arraysLast,
            double seconds) {}

    private static RankResult rank(
            Collective c,
            List<String> names,
            int steps,
            HostStaging.Mode mode,
            int bufferBytes,
            GradientBuckets layout) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                HostStaging staging = new HostStaging(mode, bufferBytes)) {
            Map<String, NDArray> parameters = new LinkedHashMap<>();
            for (int t = 0; t < SHAPES.length; t++) {
                NDArray w = manager.zeros(new Shape(SHAPES[t]), DataType.FLOAT32);
                w.setRequiresGradient(true);
                parameters.put(names.get(t), w);
            }
            Replicas replicas = new Replicas(parameters, c, staging, bufferBytes);
            replicas.zeroGradients();
            float[][] inputs = new float[c.worldSize()][(int) layout.totalFloats()];
            float[] expected = new float[(int) layout.totalFloats()];
            boolean exact = true;
            double rssFirst = -1;
            double nativeFirst = -1;
            int arraysFirst = -1;
            long start = System.nanoTime();
            for (int step = 0; step < steps; step++) {
                for (int r = 0; r < c.worldSize(); r++) {
                    fill(inputs[r], r, step);
                }
                writeGradients(parameters, inputs[c.rank()]);
                replicas.sumGradients();
                exact &= matchesReference(parameters, inputs, layout, expected);
                if (step == WARM_UP_STEPS - 1 || (steps < WARM_UP_STEPS && step == 0)) {
                    System.gc(); // both samples after a collection: the heap's garbage is not what is measured
                    rssFirst = residentMib();
                    nativeFirst = NativeHeap.inUseMib();
                    arraysFirst = manager.getManagedArrays().size();
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.gc();
            return new RankResult(
                    exact,
                    rssFirst,
                    residentMib(),
                    nativeFirst,
                    NativeHeap.inUseMib(),
                    arraysFirst,
                    manager.getManagedArrays().size(),
                    seconds);
        }
    }

    /** Rank r's gradient at step s: distinct per rank, step and element, with a spread of exponents. */
    private static void fill(float[] out, int rank, int step) {
        long x = 0x9E3779B97F4A7C15L * (rank + 1) + 0xBF58476D1CE4E5B9L * (step + 1);
        for (int i = 0; i < out.length; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            out[i] = (float) ((x >> 11) * 0x1.0p-53 * 8 - 4) * (1 + (i & 7));
        }
    }

    /** Writes this rank's inputs into its gradient arrays (CPU memory, through a view of it). */
    private static void writeGradients(Map<String, NDArray> parameters, float[] flat) {
        int at = 0;
        for (NDArray w : parameters.values()) {
            try (NDArray g = w.getGradient()) {
                int n = (int) g.size();
                g.toByteBuffer(true)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .asFloatBuffer()
                        .put(flat, at, n);
                at += n;
            }
        }
    }

    /**
     * Whether every gradient array now holds, bit for bit, the ring's sum of all ranks' inputs: per bucket,
     * {@link RingCollective#referenceSum}'s order, computed into {@code expected} without allocating (so the
     * measurement adds no garbage of its own).
     */
    private static boolean matchesReference(
            Map<String, NDArray> parameters, float[][] inputs, GradientBuckets layout, float[] expected) {
        for (int b = 0; b < layout.bucketCount(); b++) {
            RingCollective.referenceSum(inputs, (int) layout.bucketStart(b), layout.bucketLength(b), expected);
        }
        int at = 0;
        for (NDArray w : parameters.values()) {
            try (NDArray g = w.getGradient()) {
                FloatBuffer got =
                        g.toByteBuffer(true).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
                for (int i = 0; i < got.remaining(); i++) {
                    if (Float.floatToRawIntBits(got.get(i)) != Float.floatToRawIntBits(expected[at + i])) {
                        return false;
                    }
                }
                at += got.remaining();
            }
        }
        return true;
    }

    /** VmRSS of this process in MiB, -1 where /proc/self/status is unavailable. */
    static double residentMib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
