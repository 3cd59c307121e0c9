package redispark.verify;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;

/**
 * Exact rational number over BigInteger, always in lowest terms with a positive denominator.
 * Sizes are the caller's business: {@link ExpressionEvaluator} checks bit lengths before it multiplies or raises.
 */
public final class Rational implements Comparable<Rational> {

    static final Rational ZERO = new Rational(BigInteger.ZERO, BigInteger.ONE);
    static final Rational ONE = new Rational(BigInteger.ONE, BigInteger.ONE);
    static final Rational TWO = new Rational(BigInteger.TWO, BigInteger.ONE);
    static final Rational HUNDRED = new Rational(BigInteger.valueOf(100), BigInteger.ONE);

    final BigInteger num;
    final BigInteger den;

    private Rational(BigInteger num, BigInteger den) {
        this.num = num;
        this.den = den;
    }

    public static Rational of(long n) {
        return new Rational(BigInteger.valueOf(n), BigInteger.ONE);
    }

    static Rational of(BigInteger n) {
        return new Rational(n, BigInteger.ONE);
    }

    public static Rational of(long n, long d) {
        return of(BigInteger.valueOf(n), BigInteger.valueOf(d));
    }

    static Rational of(BigInteger n, BigInteger d) {
        if (d.signum() == 0) {
            throw new ArithmeticException("division by zero");
        }
        if (d.signum() < 0) {
            n = n.negate();
            d = d.negate();
        }
        BigInteger g = n.gcd(d);
        if (!g.equals(BigInteger.ONE) && g.signum() != 0) {
            n = n.divide(g);
            d = d.divide(g);
        }
        return new Rational(n, n.signum() == 0 ? BigInteger.ONE : d);
    }

    /** Exact value of a BigDecimal (e.g. a written decimal "0.125" is 1/8). */
    static Rational of(BigDecimal d) {
        if (d.scale() <= 0) {
            return of(d.toBigIntegerExact());
        }
        return of(d.unscaledValue(), BigInteger.TEN.pow(d.scale()));
    }

    public boolean isInteger() {
        return den.equals(BigInteger.ONE);
    }

    public int signum() {
        return num.signum();
    }

    /** Rough size in bits of the larger of numerator and denominator. */
    int bits() {
        return Math.max(num.bitLength(), den.bitLength());
    }

    public Rational add(Rational o) {
        if (o.num.signum() == 0) {
            return this;
        }
        if (num.signum() == 0) {
            return o;
        }
        boolean oneDen = den.equals(BigInteger.ONE);
        if (oneDen && o.den.equals(BigInteger.ONE)) {
            return new Rational(num.add(o.num), BigInteger.ONE);
        }
        if (den.equals(o.den)) {
            return of(num.add(o.num), den);
        }
        return of(num.multiply(o.den).add(o.num.multiply(den)), den.multiply(o.den));
    }

    public Rational subtract(Rational o) {
        return add(o.negate());
    }

    public Rational multiply(Rational o) {
        if (den.equals(BigInteger.ONE) && o.den.equals(BigInteger.ONE)) {
            return new Rational(num.multiply(o.num), BigInteger.ONE);
        }
        if (num.signum() == 0 || o.num.signum() == 0) {
            return ZERO;
        }
        return of(num.multiply(o.num), den.multiply(o.den));
    }

    public Rational divide(Rational o) {
        if (o.num.signum() == 0) {
            throw new ArithmeticException("division by zero");
        }
        return of(num.multiply(o.den), den.multiply(o.num));
    }

    public Rational negate() {
        return new Rational(num.negate(), den);
    }

    public Rational abs() {
        return num.signum() < 0 ? negate() : this;
    }

    Rational reciprocal() {
        return of(den, num);
    }

    /** this^n for a small exponent; caller has checked the result size. */
    Rational pow(int n) {
        if (n >= 0) {
            return new Rational(num.pow(n), den.pow(n));
        }
        return of(den.pow(-n), num.pow(-n));
    }

    /** Exact square root when numerator and denominator are perfect squares, else null. */
    Rational sqrtExact() {
        if (num.signum() < 0) {
            return null;
        }
        BigInteger rn = num.sqrt();
        if (!rn.multiply(rn).equals(num)) {
            return null;
        }
        BigInteger rd = den.sqrt();
        if (!rd.multiply(rd).equals(den)) {
            return null;
        }
        return new Rational(rn, rd);
    }

    /** Exact k-th root (k >= 2) or null. */
    Rational rootExact(int k) {
        if (k == 2) {
            return sqrtExact();
        }
        boolean neg = num.signum() < 0;
        if (neg && k % 2 == 0) {
            return null;
        }
        BigInteger rn = iroot(num.abs(), k);
        BigInteger rd = iroot(den, k);
        if (rn == null || rd == null) {
            return null;
        }
        return new Rational(neg ? rn.negate() : rn, rd);
    }

    private static BigInteger iroot(BigInteger x, int k) {
        if (x.signum() == 0) {
            return BigInteger.ZERO;
        }
        // Newton from an over-estimate; exact when x is a perfect k-th power.
        int bits = x.bitLength() / k + 1;
        BigInteger r = BigInteger.ONE.shiftLeft(bits);
        BigInteger kk = BigInteger.valueOf(k);
        for (int iter = 0; iter < 4000; iter++) {
            BigInteger next = r.multiply(kk.subtract(BigInteger.ONE))
                    .add(x.divide(r.pow(k - 1)))
                    .divide(kk);
            if (next.compareTo(r) >= 0) {
                break;
            }
            r = next;
        }
        return r.pow(k).equals(x) ? r : null;
    }

    BigInteger floor() {
        BigInteger[] qr = num.divideAndRemainder(den);
        return qr[1].signum() < 0 ? qr[0].subtract(BigInteger.ONE) : qr[0];
    }

    BigDecimal toBigDecimal(MathContext mc) {
        if (den.equals(BigInteger.ONE)) {
            return new BigDecimal(num).round(mc);
        }
        // Integer division at a chosen scale: much cheaper than BigDecimal.divide on huge operands.
        int digits = mc.getPrecision() + 5;
        int k = digits - (int) ((num.bitLength() - den.bitLength()) * 0.30103);
        BigInteger scaled = k >= 0 ? num.multiply(BigInteger.TEN.pow(k)) : num;
        BigInteger d = k >= 0 ? den : den.multiply(BigInteger.TEN.pow(-k));
        return new BigDecimal(scaled.divide(d), k).round(mc);
    }

    double toDouble() {
        return toBigDecimal(MathContext.DECIMAL64).doubleValue();
    }

    @Override
    public int compareTo(Rational o) {
        return num.multiply(o.den).compareTo(o.num.multiply(den));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Rational r && num.equals(r.num) && den.equals(r.den);
    }

    @Override
    public int hashCode() {
        return num.hashCode() * 31 + den.hashCode();
    }

    /** The numerator as a {@code long} ({@link ArithmeticException} when it does not fit). */
    public long numerator() {
        return num.longValueExact();
    }

    /** The denominator as a {@code long} ({@link ArithmeticException} when it does not fit). */
    public long denominator() {
        return den.longValueExact();
    }

    /** Plain-text form: {@code 12}, {@code -7}, {@code 3/4}, {@code -3/4}. */
    public String plain() {
        return toString();
    }

    /** Canonical LaTeX: {@code 56}, {@code -7}, {@code \frac{3}{4}}, {@code -\frac{3}{4}}. */
    public String latex() {
        return latex("\\frac");
    }

    /** LaTeX with a chosen fraction command ({@code \frac} or {@code \dfrac}). */
    public String latex(String fracCommand) {
        if (isInteger()) {
            return num.toString();
        }
        return (num.signum() < 0 ? "-" : "") + fracCommand + "{" + num.abs() + "}{" + den + "}";
    }

    /**
     * The terminating decimal form ({@code 0.75}, {@code -1.5}), or null when the value is an integer, does not
     * terminate, or needs more than {@code maxPlaces} decimal places.
     */
    public String decimal(int maxPlaces) {
        if (isInteger()) {
            return null;
        }
        BigDecimal exact;
        try {
            exact = new BigDecimal(num).divide(new BigDecimal(den));
        } catch (ArithmeticException nonTerminating) {
            return null;
        }
        return exact.scale() > maxPlaces ? null : exact.toPlainString();
    }

    @Override
    public String toString() {
        return isInteger() ? num.toString() : num + "/" + den;
    }
}
