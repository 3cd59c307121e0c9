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
    static final BigDecimal LN10;
    static final BigDecimal E;

    static {
        // Machin: pi = 16 atan(1/5) - 4 atan(1/239); the series converge fast for these arguments.
        BigDecimal a5 = atanSeries(BigDecimal.ONE.divide(BigDecimal.valueOf(5), WIDE));
        BigDecimal a239 = atanSeries(BigDecimal.ONE.divide(BigDecimal.valueOf(239), WIDE));
        PI = a5.multiply(BigDecimal.valueOf(16)).subtract(a239.multiply(BigDecimal.valueOf(4)), WIDE);
        LN10 = lnMantissa(BigDecimal.TEN);
        E = exp(BigDecimal.ONE);
    }

    private BigMath() {
    }

    private static BigDecimal eps(MathContext mc) {
        return BigDecimal.ONE.movePointLeft(mc.getPrecision() + 2);
    }

    /** Series for atan with |x| small (<= 0.2). */
    private static BigDecimal atanSeries(BigDecimal x) {
        BigDecimal x2 = x.multiply(x, WIDE);
        BigDecimal term = x;
        BigDecimal sum = x;
        BigDecimal eps = eps(WIDE);
        for (int n = 1; n < 400; n++) {
            term = term.multiply(x2, WIDE).negate();
            BigDecimal t = term.divide(BigDecimal.valueOf(2L * n + 1), WIDE);
            sum = sum.add(t, WIDE);
            if (t.abs().compareTo(eps) < 0) {
                break;
            }
        }
        return sum;
    }

    static BigDecimal sqrt(BigDecimal x) {
        if (x.signum() < 0) {
            throw EvalError.domain("sqrt of negative");
        }
        return x.signum() == 0 ? BigDecimal.ZERO : x.sqrt(WIDE).round(MC);
    }

    static BigDecimal exp(BigDecimal x) {
        if (x.signum() == 0) {
            return BigDecimal.ONE;
        }
        if (x.abs().compareTo(BigDecimal.valueOf(1_000_000)) > 0) {
            throw EvalError.tooBig("exp argument too large");
        }
        // Halve the argument until it is small, sum the series, square back. Each squaring doubles the
        // relative error, so the working precision grows with the number of halvings.
        int k = 0;
        BigDecimal r = x;
        while (r.abs().compareTo(HALF) > 0) {
            r = r.divide(TWO, WIDE);
            k++;
        }
        MathContext mc = new MathContext(WIDE.getPrecision() + k / 3 + 2, RoundingMode.HALF_EVEN);
        BigDecimal sum = BigDecimal.ONE;
        BigDecimal term = BigDecimal.ONE;
        BigDecimal eps = eps(mc);
        for (int n = 1; n < 200; n++) {
            term = term.multiply(r, mc).divide(BigDecimal.valueOf(n), mc);
            sum = sum.add(term, mc);
            if (term.abs().compareTo(eps) < 0) {
                break;
            }
        }
        for (int i = 0; i < k; i++) {
            sum = sum.multiply(sum, mc);
        }
        return sum.round(MC);
    }

    /** Natural log of x > 0. */
    static BigDecimal ln(BigDecimal x) {
        if (x.signum() <= 0) {
            throw EvalError.domain("log of non-positive");
        }
        // x = m * 10^e with 1 <= m < 10
        int e = x.precision() - x.scale() - 1;
        BigDecimal m = x.movePointLeft(e);
        BigDecimal r = lnMantissa(m);
        if (e != 0) {
            r = r.add(LN10.multiply(BigDecimal.valueOf(e), WIDE), WIDE);
        }
        return r.round(MC);
    }

    /** ln of a number in [0.1, 10]: square roots bring it near 1, then the atanh series. */
    private static BigDecimal lnMantissa(BigDecimal m) {
        int k = 0;
        BigDecimal near = new BigDecimal("0.01");
        while (m.subtract(BigDecimal.ONE).abs().compareTo(near) > 0 && k < 60) {
            m = m.sqrt(WIDE);
            k++;
        }
        BigDecimal y = m.subtract(BigDecimal.ONE).divide(m.add(BigDecimal.ONE), WIDE);
        BigDecimal y2 = y.multiply(y, WIDE);
        BigDecimal term = y;
        BigDecimal sum = y;
        BigDecimal eps = eps(WIDE);
        for (int n = 1; n < 400; n++) {
            term = term.multiply(y2, WIDE);
            BigDecimal t = term.divide(BigDecimal.valueOf(2L * n + 1), WIDE);
            sum = sum.add(t, WIDE);
            if (t.abs().compareTo(eps) < 0) {
                break;
            }
        }
        return sum.multiply(TWO.pow(k + 1), WIDE);
    }

    /** Reduce x into [-pi, pi]; refuses arguments so large that the reduction would lose all digits. */
    private static BigDecimal reduceAngle(BigDecimal x) {
        BigDecimal pi = PI;
        if (x.abs().compareTo(pi) <= 0) {
            return x;
        }
        if (x.abs().compareTo(new BigDecimal("1e12")) > 0) {
            throw EvalError.tooBig("trig argument too large");
        }
        BigDecimal twoPi = pi.multiply(TWO, WIDE);
        BigDecimal n = x.divide(twoPi, WIDE).setScale(0, RoundingMode.HALF_EVEN);
        return x.subtract(twoPi.multiply(n, WIDE), WIDE);
    }

    static BigDecimal sin(BigDecimal x) {
        BigDecimal r = reduceAngle(x);
        BigDecimal r2 = r.multiply(r, WIDE);
        BigDecimal term = r;
        BigDecimal sum = r;
        BigDecimal eps = eps(WIDE);
        for (int n = 1; n < 200; n++) {
            term = term.multiply(r2, WIDE).divide(BigDecimal.valueOf((2L * n) * (2L * n + 1)), WIDE).negate();
            sum = sum.add(term, WIDE);
            if (term.abs().compareTo(eps) < 0) {
                break;
            }
        }
        return sum.round(MC);
    }

    static BigDecimal cos(BigDecimal x) {
        BigDecimal r = reduceAngle(x);
        BigDecimal r2 = r.multiply(r, WIDE);
        BigDecimal term = BigDecimal.ONE;
        BigDecimal sum = BigDecimal.ONE;
        BigDecimal eps = eps(WIDE);
        for (int n = 1; n < 200; n++) {
            term = term.multiply(r2, WIDE).divide(BigDecimal.valueOf((2L * n - 1) * (2L * n)), WIDE).negate();
            sum = sum.add(term, WIDE);
            if (term.abs().compareTo(eps) < 0) {
                break;
            }
        }
        return sum.round(MC);
    }

    static BigDecimal atan(BigDecimal x) {
        if (x.signum() < 0) {
            return atan(x.negate()).negate();
        }
        if (x.compareTo(BigDecimal.ONE) > 0) {
            BigDecimal halfPi = PI.divide(TWO, WIDE);
            return halfPi.subtract(atan(BigDecimal.ONE.divide(x, WIDE)), MC);
        }
        // atan(x) = 2 atan(x / (1 + sqrt(1 + x^2))) shrinks the argument quickly.
        int doublings = 0;
        BigDecimal small = new BigDecimal("0.1");
        while (x.compareTo(small) > 0) {
            BigDecimal s = BigDecimal.ONE.add(x.multiply(x, WIDE)).sqrt(WIDE);
            x = x.divide(BigDecimal.ONE.add(s), WIDE);
            doublings++;
        }
        return atanSeries(x).multiply(TWO.pow(doublings), WIDE).round(MC);
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

    /** Factorial of a small non-negative integer as BigInteger (caller guards n). */
    static BigInteger factorial(int n, int step, Deadline deadline) {
        BigInteger r = BigInteger.ONE;
        for (int i = n; i > 1; i -= step) {
            r = r.multiply(BigInteger.valueOf(i));
            if ((i & 63) == 0) {
                deadline.check();
            }
        }
        return r;
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
