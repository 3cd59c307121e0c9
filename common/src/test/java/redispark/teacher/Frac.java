package redispark.teacher;

import java.math.BigInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test-side exact fraction and answer parsing, written independently of the production {@code
 * Rational} so the tests do not grade the teacher with its own arithmetic.
 */
record Frac(BigInteger n, BigInteger d) {

    private static final Pattern INT = Pattern.compile("-?\\d+");
    private static final Pattern SLASH = Pattern.compile("(-?\\d+)/(\\d+)");
    private static final Pattern DECIMAL = Pattern.compile("(-?)(\\d+)\\.(\\d+)");
    private static final Pattern LATEX_FRAC = Pattern.compile("(-?)\\\\d?frac\\{(\\d+)\\}\\{(\\d+)\\}");

    Frac {
        if (d.signum() == 0) {
            throw new ArithmeticException("zero denominator");
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
    }

    static Frac of(long n) {
        return new Frac(BigInteger.valueOf(n), BigInteger.ONE);
    }

    static Frac of(long n, long d) {
        return new Frac(BigInteger.valueOf(n), BigInteger.valueOf(d));
    }

    Frac plus(Frac o) {
        return new Frac(n.multiply(o.d).add(o.n.multiply(d)), d.multiply(o.d));
    }

    Frac minus(Frac o) {
        return plus(new Frac(o.n.negate(), o.d));
    }

    Frac times(Frac o) {
        return new Frac(n.multiply(o.n), d.multiply(o.d));
    }

    Frac over(Frac o) {
        return new Frac(n.multiply(o.d), d.multiply(o.n));
    }

    /** Parses {@code 12}, {@code -3/4}, {@code (-3)}, {@code (-3/4)}; null when it is none of these. */
    static Frac plain(String s) {
        String t = s.trim();
        if (t.startsWith("(") && t.endsWith(")")) {
            t = t.substring(1, t.length() - 1);
        }
        if (INT.matcher(t).matches()) {
            return new Frac(new BigInteger(t), BigInteger.ONE);
        }
        Matcher m = SLASH.matcher(t);
        if (m.matches()) {
            return new Frac(new BigInteger(m.group(1)), new BigInteger(m.group(2)));
        }
        return null;
    }

    /**
     * Parses an answer as the teacher may write it: {@code 56}, {@code -7}, {@code \frac{3}{4}},
     * {@code -\dfrac{3}{4}}, {@code 0.75}, {@code x = 5}; null when unparsable.
     */
    static Frac answer(String s) {
        if (s == null) {
            return null;
        }
        String t = s.trim();
        if (t.startsWith("x = ")) {
            t = t.substring(4);
        }
        if (INT.matcher(t).matches()) {
            return new Frac(new BigInteger(t), BigInteger.ONE);
        }
        Matcher f = LATEX_FRAC.matcher(t);
        if (f.matches()) {
            BigInteger num = new BigInteger(f.group(2));
            return new Frac(f.group(1).isEmpty() ? num : num.negate(), new BigInteger(f.group(3)));
        }
        Matcher dec = DECIMAL.matcher(t);
        if (dec.matches()) {
            BigInteger num = new BigInteger(dec.group(2) + dec.group(3));
            BigInteger den = BigInteger.TEN.pow(dec.group(3).length());
            return new Frac(dec.group(1).isEmpty() ? num : num.negate(), den);
        }
        return null;
    }

    /**
     * The content of the last {@code \boxed{...}} (brace-matched) or {@code \boxed X} (up to the next
     * space or end) in {@code text}; null when there is none.
     */
    static String lastBoxed(String text) {
        int at = text.lastIndexOf("\\boxed");
        if (at < 0) {
            return null;
        }
        int i = at + "\\boxed".length();
        if (i < text.length() && text.charAt(i) == '{') {
            int depth = 0;
            for (int j = i; j < text.length(); j++) {
                char c = text.charAt(j);
                if (c == '{') {
                    depth++;
                } else if (c == '}' && --depth == 0) {
                    return text.substring(i + 1, j);
                }
            }
            return null;
        }
        if (i < text.length() && text.charAt(i) == ' ') {
            int end = text.indexOf(' ', i + 1);
            String token = text.substring(i + 1, end < 0 ? text.length() : end);
            return token.endsWith(".") ? token.substring(0, token.length() - 1) : token;
        }
        return null;
    }

    /** The value of the last boxed answer in {@code text}; null when missing or unparsable. */
    static Frac boxedValue(String text) {
        return answer(lastBoxed(text));
    }

    @Override
    public String toString() {
        return d.equals(BigInteger.ONE) ? n.toString() : n + "/" + d;
    }
}
