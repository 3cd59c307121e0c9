package redispark.dist;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs one body per rank, each on its own daemon thread, as the ranks of a real job would. */
final class Ranks {

    private Ranks() {}

    @FunctionalInterface
    interface Body<C, T> {
        T run(C collective) throws Exception;
    }

    /** What one rank did: its value or its failure, and how long it took. */
    record Outcome<T>(T value, Throwable failure, long nanos) {
        double seconds() {
            return nanos / 1e9;
        }
    }

    /** Runs {@code body} on every collective concurrently and returns the values in rank order; rethrows a failure. */
    static <C, T> List<T> each(List<C> collectives, Body<C, T> body) {
        List<T> values = new ArrayList<>();
        for (Outcome<T> o : outcomes(collectives, body, Duration.ofSeconds(120))) {
            if (o.failure() != null) {
                throw new AssertionError("a rank failed: " + o.failure(), o.failure());
            }
            values.add(o.value());
        }
        return values;
    }

    /** Runs {@code body} on every collective concurrently and reports each rank's outcome. */
    static <C, T> List<Outcome<T>> outcomes(List<C> collectives, Body<C, T> body, Duration limit) {
        List<CompletableFuture<Outcome<T>>> futures = new ArrayList<>();
        for (int r = 0; r < collectives.size(); r++) {
            C c = collectives.get(r);
            CompletableFuture<Outcome<T>> f = new CompletableFuture<>();
            Thread t = new Thread(
                    () -> {
                        long start = System.nanoTime();
                        try {
                            T v = body.run(c);
                            f.complete(new Outcome<>(v, null, System.nanoTime() - start));
                        } catch (Throwable e) {
                            f.complete(new Outcome<>(null, e, System.nanoTime() - start));
                        }
                    },
                    "test-rank" + r);
            t.setDaemon(true);
            t.start();
            futures.add(f);
        }
        List<Outcome<T>> out = new ArrayList<>();
        long deadline = System.nanoTime() + limit.toNanos();
        for (CompletableFuture<Outcome<T>> f : futures) {
            try {
                out.add(f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (TimeoutException e) {
                throw new AssertionError("a rank hung for more than " + limit, e);
            } catch (InterruptedException | ExecutionException e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }

    static List<RingCollective> loopback(int world) {
        return RingCollective.openLoopback(world, Duration.ofSeconds(20), Duration.ofSeconds(20), 64 << 10);
    }

    static void closeAll(List<? extends Collective> cs) {
        cs.forEach(Collective::close);
    }
}
