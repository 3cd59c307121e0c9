package redispark.verify;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * A complex value produced by {@link ExpressionEvaluator}: exact (two {@link Rational} parts) whenever the
 * arithmetic allows it, else a 50-digit approximation. Every value carries an absolute error bound
 * {@code err} (rounding of approximations plus the uncertainty of written decimals) and, separately,
 * {@code werr}, the part due to written decimals, so that "0.333" can be accepted for 1/3 while
 * "0.3" is not (see {@link #same}). Errors are propagated to first order through each operation,
 * which is what lets us avoid a fixed "chop" threshold: a tiny value is equal to another only if the
 * difference is below what the computation could have lost.
 */
final class Val {

    /** Exact results larger than this many bits are computed approximately instead (keeps gcd cheap). */
    static final int MAX_EXACT_BITS = 40_000;

    private static final MathContext MC = BigMath.MC;
    private static final MathContext ERR = new MathContext(6, RoundingMode.UP);
    private static final BigDecimal ULP = BigMath.ULP_REL;

    final boolean exact;
    final Rational re;
    final Rational im;
    private BigDecimal are;
    private BigDecimal aim;
    /** Absolute error bound, computational plus written. */
    final BigDecimal err;
    /** Part of {@link #err} that comes from the precision of written decimals. */
    final BigDecimal werr;
    /** 0 for a finite value, +1 / -1 for plus / minus infinity. */
    final int inf;

    static final Val ZERO = exact(Rational.ZERO);
    static final Val ONE = exact(Rational.ONE);
    static final Val I = new Val(Rational.ZERO, Rational.ONE, BigDecimal.ZERO, BigDecimal.ZERO);
    static final Val POS_INF = new Val(1);
    static final Val NEG_INF = new Val(-1);
    static final Val PI =
            approx(BigMath.PI.round(MC), BigDecimal.ZERO, BigMath.PI.abs().multiply(ULP, ERR), BigDecimal.ZERO);
    static final Val E = approx(BigMath.E, BigDecimal.ZERO, BigMath.E.multiply(ULP, ERR), BigDecimal.ZERO);

    private Val(Rational re, Rational im, BigDecimal err, BigDecimal werr) {
        this.exact = true;
        this.re = re;
        this.im = im;
        this.err = err;
        this.werr = werr;
        this.inf = 0;
    }

    private Val(BigDecimal are, BigDecimal aim, BigDecimal err, BigDecimal werr) {
        this.exact = false;
        this.re = null;
        this.im = null;
        this.are = are;
        this.aim = aim;
        this.err = err;
        this.werr = werr;
        this.inf = 0;
    }

    private Val(int inf) {
        this.exact = true;
        this.re = Rational.ZERO;
        this.im = Rational.ZERO;
        this.err = BigDecimal.ZERO;
        this.werr = BigDecimal.ZERO;
        this.inf = inf;
    }

    static Val exact(Rational r) {
        return new Val(r, Rational.ZERO, BigDecimal.ZERO, BigDecimal.ZERO);
    }

    /** A written decimal: exact value plus the half-unit of its last written digit. */
    static Val written(Rational r, BigDecimal halfUnit) {
        return new Val(r, Rational.ZERO, halfUnit, halfUnit);
    }

    static Val approx(BigDecimal re, BigDecimal im, BigDecimal err, BigDecimal werr) {
        return new Val(re, im, err, werr);
    }

    boolean isReal() {
        if (exact) {
            return im.signum() == 0;
        }
        return aim.signum() == 0 || aim.abs().compareTo(err) <= 0;
    }

    boolean hasWrittenError() {
        return werr.signum() != 0;
    }

    BigDecimal approxRe() {
        if (are == null) {
            are = re.toBigDecimal(MC);
        }
        return are;
    }

    BigDecimal approxIm() {
        if (aim == null) {
            aim = im.signum() == 0 ? BigDecimal.ZERO : im.toBigDecimal(MC);
        }
        return aim;
    }

    /** Modulus, to 6 digits, rounded up: used only inside error bounds. */
    BigDecimal magnitude() {
        BigDecimal r = approxRe().abs();
        BigDecimal i = approxIm().abs();
        if (i.signum() == 0) {
            return r.round(ERR);
        }
        if (r.signum() == 0) {
            return i.round(ERR);
        }
        return r.max(i).multiply(new BigDecimal("1.4143"), ERR);
    }

    private static BigDecimal rounding(BigDecimal re, BigDecimal im) {
        BigDecimal m = re.abs().max(im.abs());
        return m.signum() == 0 ? BigDecimal.ZERO : m.multiply(ULP, ERR);
    }

    static boolean tooBigForExact(Rational... rs) {
        int bits = 0;
        for (Rational r : rs) {
            bits += r.bits();
        }
        return bits > MAX_EXACT_BITS;
    }

    private void requireFinite() {
        if (inf != 0) {
            throw EvalError.unsupported("arithmetic on infinity");
        }
    }

    Val negate() {
        if (inf != 0) {
            return inf > 0 ? NEG_INF : POS_INF;
        }
        if (exact) {
            return new Val(re.negate(), im.negate(), err, werr);
        }
        return new Val(are.negate(), aim.negate(), err, werr);
    }

    Val add(Val o) {
        if (inf != 0 || o.inf != 0) {
            if (inf != 0 && o.inf != 0 && inf != o.inf) {
                throw EvalError.domain("inf - inf");
            }
            return inf != 0 ? this : o;
        }
        if (exact && o.exact && err.signum() == 0 && o.err.signum() == 0 && !tooBigForExact(re, o.re, im, o.im)) {
            return new Val(re.add(o.re), im.add(o.im), BigDecimal.ZERO, BigDecimal.ZERO);
        }
        BigDecimal e = err.add(o.err);
        BigDecimal w = werr.add(o.werr);
        if (exact && o.exact && !tooBigForExact(re, o.re, im, o.im)) {
            return new Val(re.add(o.re), im.add(o.im), e, w);
        }
        BigDecimal r = approxRe().add(o.approxRe(), MC);
        BigDecimal i = approxIm().add(o.approxIm(), MC);
        return new Val(r, i, e.add(rounding(r, i), ERR), w);
    }

    Val subtract(Val o) {
        return add(o.negate());
    }

    Val multiply(Val o) {
        if (inf != 0 || o.inf != 0) {
            Val fin = inf != 0 ? o : this;
            int s = inf != 0 ? inf : o.inf;
            if (fin.inf != 0) {
                return fin.inf * s > 0 ? POS_INF : NEG_INF;
            }
            if (fin.exact && fin.im.signum() == 0 && fin.re.signum() != 0) {
                return fin.re.signum() * s > 0 ? POS_INF : NEG_INF;
            }
            throw EvalError.unsupported("infinity times non-real");
        }
        BigDecimal e = BigDecimal.ZERO;
        BigDecimal w = BigDecimal.ZERO;
        if (err.signum() != 0 || o.err.signum() != 0) {
            BigDecimal ma = magnitude();
            BigDecimal mb = o.magnitude();
            e = ma.multiply(o.err, ERR).add(mb.multiply(err, ERR)).add(err.multiply(o.err, ERR));
            w = werr.signum() == 0 && o.werr.signum() == 0
                    ? BigDecimal.ZERO
                    : ma.multiply(o.werr, ERR).add(mb.multiply(werr, ERR)).add(werr.multiply(o.werr, ERR));
        }
        if (exact && o.exact && !tooBigForExact(re, o.re, im, o.im)) {
            if (im.signum() == 0 && o.im.signum() == 0) {
                return new Val(re.multiply(o.re), Rational.ZERO, e, w);
            }
            Rational r = re.multiply(o.re).subtract(im.multiply(o.im));
            Rational i = re.multiply(o.im).add(im.multiply(o.re));
            return new Val(r, i, e, w);
        }
        BigDecimal a = approxRe();
        BigDecimal b = approxIm();
        BigDecimal c = o.approxRe();
        BigDecimal d = o.approxIm();
        BigDecimal r = a.multiply(c, MC).subtract(b.multiply(d, MC), MC);
        BigDecimal i = a.multiply(d, MC).add(b.multiply(c, MC), MC);
        return new Val(r, i, e.add(rounding(r, i).multiply(BigDecimal.valueOf(3)), ERR), w);
    }

    Val reciprocal() {
        requireFinite();
        if (exact) {
            if (re.signum() == 0 && im.signum() == 0) {
                throw EvalError.domain("division by zero");
            }
            if (err.signum() == 0 && !tooBigForExact(re, im)) {
                if (im.signum() == 0) {
                    return new Val(re.reciprocal(), Rational.ZERO, BigDecimal.ZERO, BigDecimal.ZERO);
                }
                Rational n = re.multiply(re).add(im.multiply(im));
                return new Val(re.divide(n), im.negate().divide(n), BigDecimal.ZERO, BigDecimal.ZERO);
            }
        }
        BigDecimal m = magnitude();
        if (m.signum() == 0 || m.compareTo(err) <= 0) {
            throw EvalError.domain("division by (possibly) zero");
        }
        // |d(1/z)| = |dz| / |z|^2, with a margin for the first-order approximation.
        BigDecimal m2 = m.multiply(m, ERR);
        BigDecimal lower = m.subtract(err).max(m.multiply(new BigDecimal("0.5")));
        BigDecimal lower2 = lower.multiply(lower, ERR);
        BigDecimal e = err.signum() == 0 ? BigDecimal.ZERO : err.divide(lower2, ERR);
        BigDecimal w = werr.signum() == 0 ? BigDecimal.ZERO : werr.divide(lower2, ERR);
        if (exact && !tooBigForExact(re, im)) {
            if (im.signum() == 0) {
                return new Val(re.reciprocal(), Rational.ZERO, e, w);
            }
            Rational n = re.multiply(re).add(im.multiply(im));
            return new Val(re.divide(n), im.negate().divide(n), e, w);
        }
        BigDecimal a = approxRe();
        BigDecimal b = approxIm();
        BigDecimal n = a.multiply(a, MC).add(b.multiply(b, MC), MC);
        BigDecimal r = a.divide(n, MC);
        BigDecimal i = b.negate().divide(n, MC);
        if (m2.signum() == 0) {
            throw EvalError.domain("division by zero");
        }
        return new Val(r, i, e.add(rounding(r, i).multiply(BigDecimal.valueOf(4)), ERR), w);
    }

    Val divide(Val o) {
        if (o.inf != 0) {
            requireFinite();
            return ZERO;
        }
        if (inf != 0) {
            return multiply(o.reciprocal());
        }
        return multiply(o.reciprocal());
    }

    /** Converts an exact value to its approximate form (used before transcendental functions). */
    private Val toApprox() {
        if (!exact) {
            return this;
        }
        BigDecimal r = approxRe();
        BigDecimal i = approxIm();
        return new Val(r, i, err.add(rounding(r, i), ERR), werr);
    }

    /** Builds the result of f(this) given |f'(this)| as a bound. */
    private Val unary(BigDecimal re, BigDecimal im, BigDecimal derivBound) {
        BigDecimal e = err.multiply(derivBound, ERR).add(rounding(re, im).multiply(BigDecimal.TEN), ERR);
        BigDecimal w = werr.signum() == 0 ? BigDecimal.ZERO : werr.multiply(derivBound, ERR);
        return new Val(re, im, e, w);
    }

    boolean isExactInteger() {
        return exact && inf == 0 && im.signum() == 0 && re.isInteger() && err.signum() == 0;
    }

    boolean isZeroExactly() {
        return exact && inf == 0 && re.signum() == 0 && im.signum() == 0 && err.signum() == 0;
    }

    /** this^n for an exact integer exponent. */
    Val powInt(BigInteger n, Deadline deadline) {
        requireFinite();
        if (n.signum() == 0) {
            if (isZeroExactly()) {
                throw EvalError.domain("0^0");
            }
            return ONE;
        }
        if (n.signum() < 0) {
            return powInt(n.negate(), deadline).reciprocal();
        }
        if (exact && im.signum() == 0 && err.signum() == 0) {
            if (re.signum() == 0 || re.abs().equals(Rational.ONE)) {
                return exact(re.signum() < 0 && n.testBit(0) ? re : re.abs());
            }
            if (n.bitLength() < 31 && (long) re.bits() * n.intValue() <= MAX_EXACT_BITS) {
                return exact(re.pow(n.intValue()));
            }
        }
        if (exact
                && err.signum() == 0
                && n.bitLength() < 16
                && (long) (re.bits() + im.bits()) * n.intValue() <= MAX_EXACT_BITS) {
            Val r = ONE;
            Val b = this;
            for (int k = n.intValue(); k > 0; k >>= 1) {
                if ((k & 1) != 0) {
                    r = r.multiply(b);
                }
                b = b.multiply(b);
                deadline.check();
            }
            return r;
        }
        if (n.bitLength() > 30) {
            // |z|^n overflows any representation unless |z| is 1; treat as unevaluable.
            throw EvalError.tooBig("exponent too large");
        }
        Val a = toApprox();
        BigDecimal m = a.magnitude();
        if (m.signum() != 0) {
            double log10 = Math.abs(m.precision() - m.scale()) * (double) n.intValue();
            if (log10 > 1e7) {
                throw EvalError.tooBig("power too large");
            }
        }
        if (a.approxIm().signum() == 0) {
            BigDecimal r = a.approxRe().pow(n.intValue(), MC);
            // d(x^n) = n x^(n-1) dx: relative error grows n-fold.
            BigDecimal rel = m.signum() == 0 ? BigDecimal.ZERO : r.abs().divide(m, ERR);
            return a.unary(r, BigDecimal.ZERO, rel.multiply(new BigDecimal(n), ERR));
        }
        return a.ln().multiply(exact(Rational.of(n))).exp();
    }

    /** this^o in general (principal branch). */
    Val pow(Val o, Deadline deadline) {
        requireFinite();
        o.requireFinite();
        if (o.isExactInteger()) {
            return powInt(o.re.num, deadline);
        }
        if (o.exact
                && o.im.signum() == 0
                && o.err.signum() == 0
                && exact
                && im.signum() == 0
                && err.signum() == 0
                && o.re.den.bitLength() < 8) {
            // Rational exponent p/q: exact when the q-th root is exact (8^(2/3) = 4).
            int q = o.re.den.intValueExact();
            Rational root = re.rootExact(q);
            if (root != null) {
                return exact(root).powInt(o.re.num, deadline);
            }
        }
        if (o.exact
                && o.im.signum() == 0
                && o.err.signum() == 0
                && o.re.den.bitLength() < 16
                && o.re.den.testBit(0)
                && isReal()
                && approxRe().signum() < 0) {
            // A negative base to p/q with q odd: the real q-th root, as \sqrt[q]{x}^p reads ((-8)^(2/3) = 4).
            return root(o.re.den.intValueExact(), deadline).powInt(o.re.num, deadline);
        }
        if (isZeroExactly()) {
            if (o.approxRe().signum() > 0) {
                return ZERO;
            }
            throw EvalError.domain("0 to a non-positive power");
        }
        return ln().multiply(o).exp();
    }

    Val sqrt() {
        requireFinite();
        if (exact && err.signum() == 0 && im.signum() == 0) {
            if (re.signum() >= 0) {
                Rational r = re.sqrtExact();
                if (r != null) {
                    return exact(r);
                }
            } else {
                Rational r = re.negate().sqrtExact();
                if (r != null) {
                    return new Val(Rational.ZERO, r, BigDecimal.ZERO, BigDecimal.ZERO);
                }
            }
        }
        Val a = toApprox();
        BigDecimal x = a.approxRe();
        BigDecimal y = a.approxIm();
        BigDecimal r;
        BigDecimal i;
        if (y.signum() == 0) {
            if (x.signum() >= 0) {
                r = BigMath.sqrt(x);
                i = BigDecimal.ZERO;
            } else {
                r = BigDecimal.ZERO;
                i = BigMath.sqrt(x.negate());
            }
        } else {
            // principal root: sqrt((|z|+x)/2) + i sign(y) sqrt((|z|-x)/2)
            BigDecimal mod = BigMath.sqrt(x.multiply(x, MC).add(y.multiply(y, MC), MC));
            r = BigMath.sqrt(mod.add(x, MC).divide(BigMath.TWO, MC));
            i = BigMath.sqrt(mod.subtract(x, MC).max(BigDecimal.ZERO).divide(BigMath.TWO, MC));
            if (y.signum() < 0) {
                i = i.negate();
            }
        }
        BigDecimal m = r.abs().max(i.abs());
        BigDecimal deriv;
        if (m.compareTo(a.err) <= 0 || m.signum() == 0) {
            // near zero the derivative is unbounded: the error is sqrt(err) instead
            return new Val(
                    r,
                    i,
                    BigMath.sqrt(a.err.max(BigDecimal.ZERO)).round(ERR).add(rounding(r, i), ERR),
                    a.werr.signum() == 0
                            ? BigDecimal.ZERO
                            : BigMath.sqrt(a.werr).round(ERR));
        }
        deriv = BigDecimal.ONE.divide(m.multiply(BigMath.TWO), ERR);
        return a.unary(r, i, deriv);
    }

    /** Principal k-th root for real values keeps the real root of negatives for odd k (cube roots). */
    Val root(int k, Deadline deadline) {
        if (k == 2) {
            return sqrt();
        }
        requireFinite();
        if (exact && err.signum() == 0 && im.signum() == 0) {
            Rational r = re.rootExact(k);
            if (r != null) {
                return exact(r);
            }
        }
        if (isReal() && approxRe().signum() < 0 && k % 2 == 1) {
            return negate().root(k, deadline).negate();
        }
        return pow(exact(Rational.of(1, k)), deadline);
    }

    Val exp() {
        requireFinite();
        if (isZeroExactly()) {
            return ONE;
        }
        Val a = toApprox();
        BigDecimal m = BigMath.exp(a.approxRe());
        BigDecimal y = a.approxIm();
        BigDecimal r = y.signum() == 0 ? m : m.multiply(BigMath.cos(y), MC);
        BigDecimal i = y.signum() == 0 ? BigDecimal.ZERO : m.multiply(BigMath.sin(y), MC);
        return a.unary(r, i, m.abs().round(ERR));
    }

    Val ln() {
        requireFinite();
        if (exact && err.signum() == 0 && im.signum() == 0 && re.equals(Rational.ONE)) {
            return ZERO;
        }
        Val a = toApprox();
        BigDecimal x = a.approxRe();
        BigDecimal y = a.approxIm();
        BigDecimal m = a.magnitude();
        if (m.signum() == 0 || m.compareTo(a.err) <= 0) {
            throw EvalError.domain("log of (possibly) zero");
        }
        BigDecimal r;
        BigDecimal i;
        if (y.signum() == 0) {
            r = BigMath.ln(x.abs());
            i = x.signum() > 0 ? BigDecimal.ZERO : BigMath.PI.round(MC);
        } else {
            r = BigMath.ln(x.multiply(x, MC).add(y.multiply(y, MC), MC)).divide(BigMath.TWO, MC);
            i = BigMath.atan2(y, x);
        }
        BigDecimal lower = m.subtract(a.err).max(m.multiply(new BigDecimal("0.5")));
        return a.unary(r, i, BigDecimal.ONE.divide(lower, ERR));
    }

    Val sin() {
        return trig(true);
    }

    Val cos() {
        return trig(false);
    }

    private Val trig(boolean sine) {
        requireFinite();
        if (isZeroExactly()) {
            return sine ? ZERO : ONE;
        }
        Val a = toApprox();
        BigDecimal x = a.approxRe();
        BigDecimal y = a.approxIm();
        if (y.signum() == 0) {
            BigDecimal r = sine ? BigMath.sin(x) : BigMath.cos(x);
            return a.unary(r, BigDecimal.ZERO, BigDecimal.ONE);
        }
        // sin(x+iy) = sin x cosh y + i cos x sinh y ; cos(x+iy) = cos x cosh y - i sin x sinh y
        BigDecimal ey = BigMath.exp(y);
        BigDecimal eny = BigDecimal.ONE.divide(ey, MC);
        BigDecimal ch = ey.add(eny).divide(BigMath.TWO, MC);
        BigDecimal sh = ey.subtract(eny).divide(BigMath.TWO, MC);
        BigDecimal s = BigMath.sin(x);
        BigDecimal c = BigMath.cos(x);
        BigDecimal r = sine ? s.multiply(ch, MC) : c.multiply(ch, MC);
        BigDecimal i = sine ? c.multiply(sh, MC) : s.multiply(sh, MC).negate();
        return a.unary(r, i, ch.abs().round(ERR));
    }

    Val atan() {
        requireFinite();
        if (isZeroExactly()) {
            return ZERO;
        }
        if (!isReal()) {
            // atan z = (i/2) ln((i+z)/(i-z))
            Val q = I.add(this).divide(I.subtract(this)).ln();
            return q.multiply(I).multiply(exact(Rational.of(1, 2)));
        }
        Val a = toApprox();
        return a.unary(BigMath.atan(a.approxRe()), BigDecimal.ZERO, BigDecimal.ONE);
    }

    /** asin(x) = atan(x / sqrt(1 - x^2)) for real |x| < 1; |x| = 1 exactly gives +-pi/2. */
    Val asin() {
        requireFinite();
        if (isZeroExactly()) {
            return ZERO;
        }
        if (exact && im.signum() == 0 && err.signum() == 0 && re.abs().equals(Rational.ONE)) {
            Val h = PI.multiply(exact(Rational.of(1, 2)));
            return re.signum() > 0 ? h : h.negate();
        }
        if (!isReal() || approxRe().abs().compareTo(BigDecimal.ONE) >= 0) {
            throw EvalError.unsupported("asin outside [-1,1]");
        }
        return divide(ONE.subtract(multiply(this)).sqrt()).atan();
    }

    Val acos() {
        return PI.multiply(exact(Rational.of(1, 2))).subtract(asin());
    }

    Val abs() {
        requireFinite();
        if (exact && im.signum() == 0) {
            return new Val(re.abs(), Rational.ZERO, err, werr);
        }
        if (isReal()) {
            BigDecimal x = approxRe();
            return new Val(x.abs(), BigDecimal.ZERO, err, werr);
        }
        return multiply(conj()).sqrt();
    }

    private Val conj() {
        if (exact) {
            return new Val(re, im.negate(), err, werr);
        }
        return new Val(are, aim.negate(), err, werr);
    }

    /** floor / ceil: exact when the value is clearly away from an integer, else unevaluable. */
    Val floorOrCeil(boolean floor) {
        requireFinite();
        if (!isReal()) {
            throw EvalError.domain("floor of complex");
        }
        if (exact && err.signum() == 0) {
            BigInteger f = re.floor();
            if (!floor && !re.isInteger()) {
                f = f.add(BigInteger.ONE);
            }
            return exact(Rational.of(f));
        }
        BigDecimal x = approxRe();
        BigDecimal f = x.setScale(0, floor ? RoundingMode.FLOOR : RoundingMode.CEILING);
        BigDecimal near = x.setScale(0, RoundingMode.HALF_EVEN);
        if (x.subtract(near).abs().compareTo(err.multiply(BigDecimal.TEN)) <= 0) {
            throw EvalError.domain("floor too close to an integer to decide");
        }
        return exact(Rational.of(f.toBigIntegerExact()));
    }

    @Override
    public String toString() {
        if (inf != 0) {
            return inf > 0 ? "inf" : "-inf";
        }
        String s = exact
                ? (im.signum() == 0 ? re.toString() : re + "+" + im + "i")
                : approxRe().round(new MathContext(20))
                        + (approxIm().signum() == 0 ? "" : "+" + approxIm().round(new MathContext(20)) + "i");
        return err.signum() == 0 ? s : s + "~" + err.round(new MathContext(2));
    }

    /** See {@link Tolerance#same}; strict about rounded decimals. */
    static boolean same(Val g, Val p) {
        return Tolerance.same(g, p, false);
    }

    /** See {@link Tolerance#same}. */
    static boolean same(Val g, Val p, boolean approximate) {
        return Tolerance.same(g, p, approximate);
    }
}
