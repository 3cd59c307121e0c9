package redispark.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.MathContext;
import org.junit.jupiter.api.Test;

/** The 50-digit functions behind irrational comparisons agree with known constants and identities. */
class PreciseArithmeticTest {

    private static final MathContext D48 = new MathContext(48);

    private static void assertDigits(BigDecimal actual, String expected) {
        assertThat(actual.round(D48)).isEqualByComparingTo(new BigDecimal(expected).round(D48));
    }

    @Test
    void constantsHaveFiftyCorrectDigits() {
        assertDigits(BigMath.PI, "3.14159265358979323846264338327950288419716939937510");
        assertDigits(BigMath.E, "2.71828182845904523536028747135266249775724709369995");
        assertDigits(BigMath.LN2, "0.69314718055994530941723212145817656807550013436025");
        assertDigits(BigMath.LN10, "2.30258509299404568401799145468436420760110148862877");
    }

    @Test
    void logarithmInvertsExponentialAcrossMagnitudes() {
        for (String x : new String[] {"7", "0.001", "1e300", "123456.789", "1.0000001", "3e-250"}) {
            BigDecimal v = new BigDecimal(x);
            BigDecimal back = BigMath.exp(BigMath.ln(v));
            assertThat(back.subtract(v).abs()).as(x).isLessThanOrEqualTo(v.abs().movePointLeft(45));
        }
    }

    @Test
    void trigonometryMatchesIdentities() {
        for (String x : new String[] {"0.3", "1", "2.5", "-4", "100", "1e-20", "31.41592653589793"}) {
            BigDecimal v = new BigDecimal(x);
            BigDecimal s = BigMath.sin(v);
            BigDecimal c = BigMath.cos(v);
            BigDecimal one = s.multiply(s).add(c.multiply(c));
            assertThat(one.subtract(BigDecimal.ONE).abs()).as(x).isLessThan(new BigDecimal("1e-46"));
            BigDecimal t = BigMath.atan(s.divide(c, BigMath.MC));
            // atan(tan x) is x reduced into (-pi/2, pi/2)
            BigDecimal reduced = v.subtract(BigMath.PI.multiply(
                    v.divide(BigMath.PI, BigMath.MC).setScale(0, java.math.RoundingMode.HALF_EVEN)));
            assertThat(t.subtract(reduced).abs()).as(x).isLessThan(new BigDecimal("1e-40"));
        }
        assertDigits(BigMath.sin(BigMath.PI.divide(new BigDecimal(6), BigMath.MC)), "0.5");
        assertDigits(BigMath.atan(BigDecimal.ONE).multiply(new BigDecimal(4)), BigMath.PI.toPlainString());
        // tiny arguments keep their relative precision: sin(1e-20) = 1e-20 - 1.67e-61
        assertDigits(BigMath.sin(new BigDecimal("1e-20")), "9.99999999999999999999999999999999999999983333333e-21");
    }

    @Test
    void exactRationalsStayExactThroughArithmetic() {
        Val third = Val.exact(Rational.of(1, 3));
        Val sum = third.add(third).add(third);
        assertThat(sum.exact).isTrue();
        assertThat(Val.same(sum, Val.ONE)).isTrue();
        Val big = Val.exact(Rational.of(2)).powInt(java.math.BigInteger.valueOf(1009), Deadline.NONE);
        assertThat(big.exact).isTrue();
        assertThat(big.re.num.bitLength()).isEqualTo(1010);
    }
}
