package redispark.verify;

import java.math.BigDecimal;
import java.util.List;

/**
 * Expression tree produced by {@link LatexParser}. Records give structural equality for free, which is
 * the last resort when neither side can be evaluated (e.g. {@code 2^{2^{2^{100}}}} on both sides).
 */
sealed interface Node {

    /** A written number. {@code halfUnit} is null for exact numbers, else half the last written digit. */
    record Num(Rational value, BigDecimal halfUnit) implements Node {
        static Num exact(Rational r) {
            return new Num(r, null);
        }
    }

    /** pi, e, i, inf. */
    record Const(String name) implements Node {}

    record Var(String name) implements Node {}

    record Neg(Node a) implements Node {}

    /** Binary operation: one of + - * / ^. */
    record Bin(char op, Node a, Node b) implements Node {}

    /** a +- b (a may be null for a leading +-); {@link AnswerParser} expands it into two answers. */
    record Pm(Node a, Node b, boolean minusFirst) implements Node {}

    /**
     * A function application: sqrt, root(n, x), sin..., ln, log (1 arg, or 2 with base first), exp,
     * abs, floor, ceil, fact, dfact, binom, max, min, gcd, lcm.
     */
    record Fn(String name, List<Node> args) implements Node {}

    /** A number written in another base, e.g. 204_5: compared by digits and base. */
    record BaseNum(String digits, int base) implements Node {
        /** The value of the digits in their base, or null if a digit is not valid in it. */
        Rational value() {
            try {
                return Rational.of(new java.math.BigInteger(digits, base));
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }
}
