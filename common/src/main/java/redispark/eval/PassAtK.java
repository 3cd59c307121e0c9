package redispark.eval;

/**
 * The unbiased pass@k estimator (Chen et al. 2021): with n samples of which c are correct,
 * {@code pass@k = 1 − C(n−c, k) / C(n, k)}, computed as a running product so it never overflows.
 */
public final class PassAtK {
    private PassAtK() {}

    public static double estimate(int n, int c, int k) {
        if (n < 1 || c < 0 || c > n || k < 1 || k > n) {
            throw new IllegalArgumentException(
                    "pass@k needs 1 <= k <= n and 0 <= c <= n, got n=" + n + " c=" + c + " k=" + k);
        }
        if (n - c < k) {
            return 1.0;
        }
        // C(n−c, k) / C(n, k) = Π_{i = n−c+1}^{n} (1 − k / i)
        double allWrong = 1.0;
        for (int i = n - c + 1; i <= n; i++) {
            allWrong *= 1.0 - (double) k / i;
        }
        return 1.0 - allWrong;
    }
}
