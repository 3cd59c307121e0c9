package redispark.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Single-thread throughput of {@link MathVerifier#verify(String, String)} over a JSONL file of
 * {@code gold}/{@code pred} pairs. Warm-up passes over the file run first so the JIT has compiled
 * the hot paths: at least {@value #MIN_WARMUP_PASSES}, then more until {@value #WARMUP_CALLS} calls or
 * {@value #MAX_WARMUP_MILLIS} ms, whichever comes first (so a small file of slow inputs takes seconds,
 * not minutes); then timed passes over the file (as many as fit in one second, at least one) record the
 * latency of every call. {@code n} is the number of pairs in the file; {@code per_s} calls per second of wall
 * time, {@code cpu_per_s} calls per second of this thread's CPU time (what a busy machine does not change).
 */
public final class VerifierBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MIN_WARMUP_PASSES = 3;
    private static final int WARMUP_CALLS = 20_000;
    private static final long MAX_WARMUP_MILLIS = 3_000;
    private static final long MIN_TIMED_NANOS = 1_000_000_000L;

    private VerifierBench() {}

    /** Returns {@code verifier n=N per_s=X cpu_per_s=X p50_ms=X p99_ms=X max_ms=X}. */
    public static String run(Path inputJsonl) throws IOException {
        List<String[]> pairs = new ArrayList<>();
        long lineNo = 0;
        for (String line : Files.readAllLines(inputJsonl, StandardCharsets.UTF_8)) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode j;
            try {
                j = JSON.readTree(line);
            } catch (IOException e) {
                throw new IllegalArgumentException("line " + lineNo + ": not valid JSON");
            }
            if (j == null || !j.has("gold") || !j.has("pred")) {
                throw new IllegalArgumentException("line " + lineNo + ": expected an object with gold and pred");
            }
            pairs.add(new String[] {
                j.get("gold").isNull() ? null : j.get("gold").asText(),
                j.get("pred").isNull() ? null : j.get("pred").asText()
            });
        }
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("no gold/pred pairs in " + inputJsonl);
        }
        long sink = 0;
        int warm = 0;
        long warmStart = System.nanoTime();
        for (int pass = 0;
                pass < MIN_WARMUP_PASSES
                        || (warm < WARMUP_CALLS && System.nanoTime() - warmStart < MAX_WARMUP_MILLIS * 1_000_000L);
                pass++) {
            for (String[] p : pairs) {
                sink += MathVerifier.verify(p[1], p[0]).correct() ? 1 : 0;
                warm++;
            }
        }
        // Timed passes over the whole file until at least a second has elapsed, so that one stall of
        // a busy machine does not decide the figure; every call's latency is kept for the percentiles.
        long[] nanos = new long[pairs.size()];
        int count = 0;
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpuStart = threads.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        long total;
        do {
            if (count + pairs.size() > nanos.length) {
                nanos = Arrays.copyOf(nanos, Math.max(nanos.length * 2, count + pairs.size()));
            }
            for (String[] p : pairs) {
                long t0 = System.nanoTime();
                sink += MathVerifier.verify(p[1], p[0]).correct() ? 1 : 0;
                nanos[count++] = System.nanoTime() - t0;
            }
            total = System.nanoTime() - start;
        } while (total < MIN_TIMED_NANOS);
        long cpu = threads.getCurrentThreadCpuTime() - cpuStart;
        nanos = Arrays.copyOf(nanos, count);
        if (sink < 0) {
            throw new AssertionError(); // keeps the calls observable to the JIT
        }
        Arrays.sort(nanos);
        double perSecond = count / (total / 1e9);
        double perCpuSecond = cpuStart < 0 || cpu <= 0 ? perSecond : count / (cpu / 1e9);
        return String.format(
                Locale.ROOT,
                "verifier n=%d per_s=%.0f cpu_per_s=%.0f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f",
                pairs.size(),
                perSecond,
                perCpuSecond,
                percentile(nanos, 0.50),
                percentile(nanos, 0.99),
                nanos[nanos.length - 1] / 1e6);
    }

    private static double percentile(long[] sorted, double q) {
        int idx = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))] / 1e6;
    }
}
