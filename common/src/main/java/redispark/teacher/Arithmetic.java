package redispark.teacher;

/** Integer helpers the synthetic families build their numbers with. */
final class Arithmetic {
    private Arithmetic() {}

    static long gcd(long a, long b) {
        a = Math.abs(a);
        b = Math.abs(b);
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    static long lcm(long a, long b) {
        return Math.multiplyExact(a / gcd(a, b), b);
    }
}
