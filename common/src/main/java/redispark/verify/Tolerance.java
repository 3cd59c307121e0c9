package redispark.verify;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * When two {@link Val}s are the same number. Exact values must be exactly equal; otherwise the
 * difference must be explained by rounding (propagated error bounds, never a fixed "chop" threshold)
 * or by the precision a decimal was written with, under the rules below.
 */
final class Tolerance {

    private static final MathContext MC = BigMath.MC;
    private static final MathContext ERR = new MathContext(6, RoundingMode.UP);
    private static final BigDecimal GOLD_RELATIVE_PRECISION = new BigDecimal("0.001");
    private static final BigDecimal GOLD_WRITTEN_PRECISION = new BigDecimal("0.05");
    private static final BigDecimal PRED_RELATIVE_PRECISION = new BigDecimal("0.005");
    /** Half a unit of the last digit at most this share of the value: four significant digits. */
    private static final BigDecimal PRED_FRACTION_PRECISION = new BigDecimal("0.0005");

    private Tolerance() {}

    /**
     * Whether gold and predicted values are the same number.
     * <ul>
     * <li>Both exact, no written decimals: exact equality (1/2^99 is not 1/2^98).</li>
     * <li>A difference within the propagated rounding error bounds is no difference.</li>
     * <li>Rule A: the prediction lies within half a unit of the gold's last written digit ("0.33" accepts
     * 0.3333 and 1/3), if that half unit is at most 5% of the value; for an irrational prediction only
     * if it is at most 0.1% (so 2 sqrt 5 = 4.47 does not pass for an exact-looking "4.5").</li>
     * <li>Rule B: the gold lies within half a unit of the prediction's last written digit, and that half
     * unit is at most 0.5% of the gold (3.14 for 3.14159, not 3.1), when the gold was itself written as
     * a decimal or {@code approximate} is set (the lenient mode, or a question asking for rounding).
     * Otherwise an exact gold is not matched by a rounded decimal: never an irrational one (12.57 is
     * not 4 pi), and a fraction with a repeating expansion only by at least four significant digits
     * (0.3333 or 2.166667 for 1/3 and 13/6; not 0.333 for 1/3 nor 3.14 for 22/7).</li>
     * </ul>
     */
    static boolean same(Val g, Val p, boolean approximate) {
        if (g.inf != 0 || p.inf != 0) {
            return g.inf == p.inf;
        }
        if (g.exact && p.exact && g.err.signum() == 0 && p.err.signum() == 0) {
            return g.re.equals(p.re) && g.im.equals(p.im);
        }
        BigDecimal dr;
        BigDecimal di;
        if (g.exact && p.exact && !Val.tooBigForExact(g.re, p.re, g.im, p.im)) {
            dr = g.re.subtract(p.re).toBigDecimal(MC).abs();
            di = g.im.subtract(p.im).toBigDecimal(MC).abs();
        } else {
            dr = g.approxRe().subtract(p.approxRe(), MC).abs();
            di = g.approxIm().subtract(p.approxIm(), MC).abs();
        }
        BigDecimal diff = dr.max(di);
        if (diff.signum() == 0) {
            return true;
        }
        BigDecimal gComp = g.err.subtract(g.werr).max(BigDecimal.ZERO);
        BigDecimal pComp = p.err.subtract(p.werr).max(BigDecimal.ZERO);
        // A margin on pure rounding errors (bounds are first-order); none on written precision.
        BigDecimal slack = gComp.add(pComp).multiply(BigDecimal.TEN, ERR);
        if (diff.compareTo(slack) <= 0) {
            return true;
        }
        boolean gWritten = g.werr.signum() > 0;
        boolean pWritten = p.werr.signum() > 0;
        BigDecimal gm = g.magnitude();
        // A: the prediction lies within the precision the gold was written with, if that precision is
        // meaningful (half a unit at most 5% of the value: "0.5" or "0.01" are not rounding ranges).
        // A written decimal or an exact fraction may round to the gold (0.3333 or 1/3 for "0.33"); an
        // irrational prediction only against a gold with more digits: "4.5" in a competition answer is
        // exact and 2 sqrt 5 = 4.47 must not pass for it, while 0.7071 may stand for sqrt(2)/2.
        boolean rational = p.exact && p.im.signum() == 0;
        BigDecimal goldPrecision = pWritten || rational ? GOLD_WRITTEN_PRECISION : GOLD_RELATIVE_PRECISION;
        if (gWritten
                && g.werr.compareTo(gm.multiply(goldPrecision, ERR)) <= 0
                && diff.compareTo(g.werr.add(slack)) <= 0) {
            return true;
        }
        // B: the gold lies within the prediction's rounding, and the prediction has enough significant
        // digits: ~3 where rounding is acceptable, 4 for the decimal form of an exact fraction.
        if (!pWritten || diff.compareTo(p.werr.add(slack)) > 0) {
            return false;
        }
        if (approximate || gWritten) {
            return p.werr.compareTo(gm.multiply(PRED_RELATIVE_PRECISION, ERR)) <= 0;
        }
        boolean goldRational = g.exact && g.err.signum() == 0;
        return goldRational && p.werr.compareTo(gm.multiply(PRED_FRACTION_PRECISION, ERR)) <= 0;
    }
}
