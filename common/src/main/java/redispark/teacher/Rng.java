package redispark.teacher;

/**
 * SplitMix64: a tiny, fully specified generator, so problems and traces are identical on every JVM
 * and version (unlike {@link java.util.Random} subclasses whose algorithms may change).
 */
final class Rng {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private long state;

    Rng(long seed) {
        this.state = seed;
    }

    /** Seeds a stream from several parts; each part changes the whole seed. */
    static Rng of(long... parts) {
        long h = 0x5DEECE66DL;
        for (long p : parts) {
            h = mix(h ^ mix(p + GOLDEN));
        }
        return new Rng(h);
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A stable 64-bit hash of a string (FNV-1a over UTF-16 units, then mixed). */
    static long hash(String s) {
        long h = 0xCBF29CE484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001B3L;
        }
        return mix(h);
    }

    long nextLong() {
        state += GOLDEN;
        return mix(state);
    }

    /** Uniform in [0, bound). */
    int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive: " + bound);
        }
        return (int) ((nextLong() >>> 1) % bound);
    }

    /** Uniform in [lo, hi], both inclusive. */
    int between(int lo, int hi) {
        if (hi < lo) {
            throw new IllegalArgumentException("empty range [" + lo + ", " + hi + "]");
        }
        return lo + nextInt(hi - lo + 1);
    }

    double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    boolean chance(double p) {
        return nextDouble() < p;
    }

    boolean coin() {
        return (nextLong() & 1L) == 0;
    }
}
