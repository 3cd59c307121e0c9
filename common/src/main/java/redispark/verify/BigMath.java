package redispark.verify;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Real transcendental functions on BigDecimal at about 50 significant digits. Why not doubles: the
 * verifier must tell apart values that differ far below double precision (Math-Verify's chop bug), and
 * irrational answers such as {@code 2\sqrt{2}} vs {@code \sqrt{8}} are compared numerically.
 * Arguments are guarded so no call can run long (huge exponents raise {@link EvalError}).
 */
final class BigMath {

    static final int DIGITS = 50;
    static final MathContext MC = new MathContext(DIGITS, RoundingMode.HALF_EVEN);
    /** Extra digits used inside series and reductions. */
    private static final MathContext WIDE = new MathContext(DIGITS + 15, RoundingMode.HALF_EVEN);

    static final BigDecimal TWO = BigDecimal.valueOf(2);
    static final BigDecimal HALF = new BigDecimal("0.5");
    /** Relative rounding error of one operation at {@link #DIGITS}. */
    static final BigDecimal ULP_REL = new BigDecimal("1e-" + (DIGITS - 2));

    static final BigDecimal PI;
    static final BigDecimal LN2;
    static final BigDecimal LN10;
    static final BigDecimal E;

    /** atan(k/64) for k = 0..64: argument reduction for atan. */
    private static final BigDecimal[] ATAN_TABLE = new BigDecimal[65];

    private static final BigDecimal SIXTY_FOUR = BigDecimal.valueOf(64);
    private static final MathContext CONST = new MathContext(DIGITS + 40, RoundingMode.HALF_EVEN);

    static {
        // Machin: pi = 16 atan(1/5) - 4 atan(1/239); the series converge fast for these arguments.
        BigDecimal a5 = atanSeriesSlow(BigDecimal.ONE.divide(BigDecimal.valueOf(5), CONST));
        BigDecimal a239 = atanSeriesSlow(BigDecimal.ONE.divide(BigDecimal.valueOf(239), CONST));
        PI = a5.multiply(BigDecimal.valueOf(16)).subtract(a239.multiply(BigDecimal.valueOf(4)), CONST);
        // ln 2 = 2 atanh(1/3), ln 10 = 3 ln 2 + 2 atanh(1/9)
        LN2 = atanhSeriesSlow(BigDecimal.ONE.divide(BigDecimal.valueOf(3), CONST))
                .multiply(TWO, CONST);
        LN10 = LN2.multiply(BigDecimal.valueOf(3), CONST)
                .add(
                        atanhSeriesSlow(BigDecimal.ONE.divide(BigDecimal.valueOf(9), CONST))
                                .multiply(TWO),
                        CONST);
        for (int k = 0; k < ATAN_TABLE.length; k++) {
            ATAN_TABLE[k] = atanSlow(BigDecimal.valueOf(k).divide(SIXTY_FOUR, CONST));
        }
    }

    private BigMath() {}

    private static BigDecimal eps(MathContext mc) {
        return BigDecimal.ONE.movePointLeft(mc.getPrecision() + 2);
    }

    /** Series for atan with |x| small; slow (divisions), used only to build constants. */
    private static BigDecimal atanSeriesSlow(BigDecimal x) {
        BigDecimal x2 = x.multiply(x, CONST);
        BigDecimal term = x;
        BigDecimal sum = x;
        BigDecimal eps = eps(CONST);
        for (int n = 1; n < 2000; n++) {
            term = term.multiply(x2, CONST).negate();
            BigDecimal t = term.divide(BigDecimal.valueOf(2L * n + 1), CONST);
            sum = sum.add(t, CONST);
            if (t.abs().compareTo(eps) < 0) {
                break;
            }
        }
        return sum;
    }

    private static BigDecimal atanhSeriesSlow(BigDecimal x) {
        BigDecimal x2 = x.multiply(x, CONST);
        BigDecimal term = x;
        BigDecimal sum = x;
        BigDecimal eps = eps(CONST);
        for (int n = 1; n < 2000; n++) {
            term = term.multiply(x2, CONST);
            BigDecimal t = term.divide(BigDecimal.valueOf(2L * n + 1), CONST);
            sum = sum.add(t, CONST);
            if (t.abs().compareTo(eps) < 0) {
                break;
            }
        }
        return sum;
    }

    /** atan for 0 <= x <= 1 by angle halving; slow, used only to build the table. */
    private static BigDecimal atanSlow(BigDecimal x) {
        int doublings = 0;
        BigDecimal small = new BigDecimal("0.05");
        while (x.compareTo(small) > 0) {
            BigDecimal s = BigDecimal.ONE.add(x.multiply(x, CONST)).sqrt(CONST);
            x = x.divide(BigDecimal.ONE.add(s), CONST);
            doublings++;
        }
        return atanSeriesSlow(x).multiply(TWO.pow(doublings), CONST);
    }

    static BigDecimal sqrt(BigDecimal x) {
        if (x.signum() < 0) {
            throw EvalError.domain("sqrt of negative");
        }
        return x.signum() == 0 ? BigDecimal.ZERO : x.sqrt(WIDE).round(MC);
    }

    // ------------------------------------------------------------------ fixed point
    // Series run on integers scaled by 2^256 (~77 digits): a multiply and a shift per step instead of a
    // BigDecimal multiply with decimal rounding, which is ~10x slower.

    private static final int P = 256;
    private static final BigInteger ONE_F = BigInteger.ONE.shiftLeft(P);
    private static final int EXT = 40;
    private static final BigInteger LN2_F_EXT = toFixed(LN2, P + EXT);
    private static final double LN2_D = Math.log(2);
    private static final BigInteger[] INV_F = new BigInteger[80];
    private static final BigInteger[] ATAN_TABLE_F = new BigInteger[ATAN_TABLE.length];
    private static final BigInteger TEN_77 = BigInteger.TEN.pow(77);
    private static final BigDecimal TINY = new BigDecimal("1e-15");

    static {
        for (int n = 1; n < INV_F.length; n++) {
            INV_F[n] = ONE_F.divide(BigInteger.valueOf(n));
        }
        for (int k = 0; k < ATAN_TABLE.length; k++) {
            ATAN_TABLE_F[k] = toFixed(ATAN_TABLE[k], P);
        }
        E = exp(BigDecimal.ONE); // needs the tables above
    }

    private static BigInteger toFixed(BigDecimal x, int bits) {
        BigInteger u = x.unscaledValue();
        int sc = x.scale();
        if (sc <= 0) {
            return u.multiply(BigInteger.TEN.pow(-sc)).shiftLeft(bits);
        }
        return u.shiftLeft(bits).divide(BigInteger.TEN.pow(sc));
    }

    private static BigInteger fixed(BigDecimal x) {
        return toFixed(x, P);
    }

    private static BigDecimal fromFixed(BigInteger f) {
        return new BigDecimal(f.multiply(TEN_77).shiftRight(P), 77).round(MC);
    }

    private static BigInteger mul(BigInteger a, BigInteger b) {
        return a.multiply(b).shiftRight(P);
    }

    static BigDecimal exp(BigDecimal x) {
        if (x.signum() == 0) {
            return BigDecimal.ONE;
        }
        if (x.abs().compareTo(BigDecimal.valueOf(1_000_000)) > 0) {
            throw EvalError.tooBig("exp argument too large");
        }
        long k = Math.round(x.doubleValue() / LN2_D);
        BigDecimal m = fromFixed(expReduced(
                fixed(x).subtract(LN2_F_EXT.multiply(BigInteger.valueOf(k)).shiftRight(EXT))));
        return k == 0 ? m : m.multiply(TWO.pow((int) k, WIDE), MC);
    }

    /** e^r for |r| <= ~0.35 in fixed point: r / 256, Horner series, eight squarings. */
    private static BigInteger expReduced(BigInteger r) {
        r = r.shiftRight(8);
        BigInteger sum = ONE_F;
        for (int n = 22; n >= 1; n--) {
            sum = ONE_F.add(mul(r, sum).multiply(INV_F[n]).shiftRight(P));
        }
        for (int i = 0; i < 8; i++) {
            sum = mul(sum, sum);
        }
        return sum;
    }

    /** Natural log of x > 0: a double-precision seed refined by two Halley steps on exp. */
    static BigDecimal ln(BigDecimal x) {
        if (x.signum() <= 0) {
            throw EvalError.domain("log of non-positive");
        }
        if (x.compareTo(BigDecimal.ONE) == 0) {
            return BigDecimal.ZERO;
        }
        // x = m * 10^e with 1 <= m < 10, so the seed is computable in double whatever x's size
        int e = x.precision() - x.scale() - 1;
        BigDecimal m = x.movePointLeft(e);
        BigInteger mF = fixed(m);
        BigInteger y = fixed(new BigDecimal(Math.log(m.doubleValue())));
        for (int i = 0; i < 2; i++) {
            long k = Math.round(y.doubleValue() / Math.pow(2, P) / LN2_D);
            BigInteger ey = expReduced(
                            y.subtract(LN2_F_EXT.multiply(BigInteger.valueOf(k)).shiftRight(EXT)))
                    .shiftLeft((int) k);
            y = y.add(mF.subtract(ey).shiftLeft(P + 1).divide(mF.add(ey)));
        }
        BigDecimal r = fromFixed(y);
        return e == 0 ? r : r.add(LN10.multiply(BigDecimal.valueOf(e)), MC);
    }

    /** Reduce x into [-pi, pi]; refuses arguments so large that the reduction would lose all digits. */
    private static BigDecimal reduceAngle(BigDecimal x) {
        if (x.abs().compareTo(PI) <= 0) {
            return x;
        }
        if (x.abs().compareTo(new BigDecimal("1e12")) > 0) {
            throw EvalError.tooBig("trig argument too large");
        }
        BigDecimal twoPi = PI.multiply(TWO);
        BigDecimal n = x.divide(twoPi, WIDE).setScale(0, RoundingMode.HALF_EVEN);
        return x.subtract(twoPi.multiply(n), WIDE);
    }

    /** {sin x, cos x}: reduce, divide by 64, Horner series, six double-angle steps. */
    static BigDecimal[] sinCos(BigDecimal x) {
        BigDecimal r = reduceAngle(x);
        if (r.abs().compareTo(TINY) < 0) {
            // keep relative precision for tiny arguments: sin r = r - r^3/6, cos r = 1 - r^2/2
            BigDecimal r2 = r.multiply(r, WIDE);
            BigDecimal sin = r.subtract(r2.multiply(r).divide(BigDecimal.valueOf(6), WIDE), MC);
            BigDecimal cos = BigDecimal.ONE.subtract(r2.divide(TWO, WIDE), MC);
            return new BigDecimal[] {sin, cos};
        }
        BigInteger t = fixed(r).shiftRight(6);
        BigInteger t2 = mul(t, t);
        BigInteger s = ONE_F;
        BigInteger c = ONE_F;
        for (int n = 17; n >= 1; n--) {
            // sin t / t = 1 - t^2/((2n)(2n+1)) (...), cos t = 1 - t^2/((2n-1)(2n)) (...)
            s = ONE_F.subtract(mul(t2, s).divide(BigInteger.valueOf(2L * n * (2L * n + 1))));
            c = ONE_F.subtract(mul(t2, c).divide(BigInteger.valueOf((2L * n - 1) * (2L * n))));
        }
        s = mul(s, t);
        for (int i = 0; i < 6; i++) {
            BigInteger s2 = mul(s, c).shiftLeft(1);
            c = mul(c, c).subtract(mul(s, s));
            s = s2;
        }
        return new BigDecimal[] {fromFixed(s), fromFixed(c)};
    }

    static BigDecimal sin(BigDecimal x) {
        return sinCos(x)[0];
    }

    static BigDecimal cos(BigDecimal x) {
        return sinCos(x)[1];
    }

    /** atan: symmetry, 1/x above 1, then atan(x) = atan(c) + atan((x - c)/(1 + xc)) with c = k/64. */
    static BigDecimal atan(BigDecimal x) {
        if (x.signum() < 0) {
            return atan(x.negate()).negate();
        }
        if (x.compareTo(BigDecimal.ONE) > 0) {
            return PI.divide(TWO).subtract(atan(BigDecimal.ONE.divide(x, WIDE)), MC);
        }
        if (x.compareTo(TINY) < 0) {
            return x.subtract(x.multiply(x).multiply(x).divide(BigDecimal.valueOf(3), WIDE), MC);
        }
        int k = x.multiply(SIXTY_FOUR).setScale(0, RoundingMode.HALF_EVEN).intValue();
        BigInteger xF = fixed(x);
        BigInteger cF = BigInteger.valueOf(k).shiftLeft(P - 6);
        BigInteger y = xF.subtract(cF).shiftLeft(P).divide(ONE_F.add(mul(xF, cF)));
        BigInteger y2 = mul(y, y);
        BigInteger s = INV_F[2 * 19 + 1];
        for (int n = 18; n >= 0; n--) {
            s = INV_F[2 * n + 1].subtract(mul(y2, s));
        }
        return fromFixed(ATAN_TABLE_F[k].add(mul(y, s)));
    }

    /** atan2(y, x) in (-pi, pi]. */
    static BigDecimal atan2(BigDecimal y, BigDecimal x) {
        if (x.signum() == 0) {
            if (y.signum() == 0) {
                throw EvalError.domain("atan2(0,0)");
            }
            BigDecimal halfPi = PI.divide(TWO, MC);
            return y.signum() > 0 ? halfPi : halfPi.negate();
        }
        BigDecimal a = atan(y.divide(x, WIDE));
        if (x.signum() > 0) {
            return a;
        }
        return y.signum() >= 0 ? a.add(PI, MC) : a.subtract(PI, MC);
    }

    /**
     * n! (step 1) or n!! (step 2) for a guarded n, as a balanced product tree: multiplying halves of
     * similar size is far cheaper than two thousand multiplications by small numbers.
     */
    static BigInteger factorial(int n, int step, Deadline deadline) {
        if (n < 2) {
            return BigInteger.ONE;
        }
        if (n < 64) {
            return product(n, step, (n - 2) / step + 1, deadline);
        }
        // Large factorials recur (1/2004! against 1/2006!, gold and prediction alike): keep a few.
        long key = (long) n << 1 | (step - 1);
        BigInteger hit = FACTORIALS.get(key);
        if (hit == null) {
            hit = product(n, step, (n - 2) / step + 1, deadline); // terms n, n-step, ... down to 2 or 3
            if (FACTORIALS.size() >= 64) {
                FACTORIALS.clear();
            }
            FACTORIALS.put(key, hit);
        }
        return hit;
    }

    private static final java.util.concurrent.ConcurrentHashMap<Long, BigInteger> FACTORIALS =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Product of {@code count} terms top, top-step, top-2*step, ... */
    private static BigInteger product(long top, int step, int count, Deadline deadline) {
        if (count <= 16) {
            BigInteger r = BigInteger.ONE;
            for (int i = 0; i < count; i++) {
                r = r.multiply(BigInteger.valueOf(top - (long) i * step));
            }
            return r;
        }
        deadline.check();
        int half = count / 2;
        return product(top, step, half, deadline)
                .multiply(product(top - (long) half * step, step, count - half, deadline));
    }

    /** Approximate log2(n!) (or n!! with step 2), to decide whether computing it exactly is affordable. */
    static double log2Factorial(double n, int step) {
        if (n < 2) {
            return 0;
        }
        // Stirling: ln n! ~ n ln n - n; double factorial is roughly the square root of that.
        double ln = n * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI * n);
        if (step == 2) {
            ln = ln / 2 + n;
        }
        return ln / Math.log(2);
    }
}
