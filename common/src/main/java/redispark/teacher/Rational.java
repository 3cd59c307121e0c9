package redispark.teacher;

/**
 * An exact rational number, always reduced, with a positive denominator.
 *
 * <p>All arithmetic is overflow-checked ({@link ArithmeticException}); the synthetic families keep
 * numbers far below that limit.
 *
 * @param num numerator (carries the sign)
 * @param den denominator, at least 1
 */
record Rational(long num, long den) {

    Rational {
        if (den == 0) {
            throw new ArithmeticException("zero denominator");
        }
        if (den < 0) {
            num = Math.negateExact(num);
            den = Math.negateExact(den);
        }
        long g = gcd(Math.abs(num), den);
        if (g > 1) {
            num /= g;
            den /= g;
        }
    }

    static Rational of(long n) {
        return new Rational(n, 1);
    }

    static Rational of(long n, long d) {
        return new Rational(n, d);
    }

    boolean isInteger() {
        return den == 1;
    }

    int signum() {
        return Long.signum(num);
    }

    Rational abs() {
        return num < 0 ? new Rational(-num, den) : this;
    }

    Rational negate() {
        return new Rational(Math.negateExact(num), den);
    }

    Rational add(Rational o) {
        long l = lcm(den, o.den);
        return new Rational(Math.addExact(Math.multiplyExact(num, l / den), Math.multiplyExact(o.num, l / o.den)), l);
    }

    Rational sub(Rational o) {
        return add(o.negate());
    }

    Rational mul(Rational o) {
        return new Rational(Math.multiplyExact(num, o.num), Math.multiplyExact(den, o.den));
    }

    Rational div(Rational o) {
        if (o.num == 0) {
            throw new ArithmeticException("division by zero");
        }
        return new Rational(Math.multiplyExact(num, o.den), Math.multiplyExact(den, o.num));
    }

    /** Plain-text form used inside traces: {@code 12}, {@code -7}, {@code 3/4}, {@code -3/4}. */
    String plain() {
        return den == 1 ? Long.toString(num) : num + "/" + den;
    }

    /** Canonical LaTeX: {@code 56}, {@code -7}, {@code \frac{3}{4}}, {@code -\frac{3}{4}}. */
    String latex() {
        return latex("\\frac");
    }

    /** LaTeX with a chosen fraction command ({@code \frac} or {@code \dfrac}). */
    String latex(String fracCommand) {
        if (den == 1) {
            return Long.toString(num);
        }
        return (num < 0 ? "-" : "") + fracCommand + "{" + Math.abs(num) + "}{" + den + "}";
    }

    /**
     * The terminating decimal form ({@code 0.75}, {@code -1.5}) or {@code null} when the value is an
     * integer, does not terminate, or needs more than {@code maxPlaces} decimal places.
     */
    String decimal(int maxPlaces) {
        if (den == 1) {
            return null;
        }
        long d = den;
        int twos = 0;
        int fives = 0;
        while (d % 2 == 0) {
            d /= 2;
            twos++;
        }
        while (d % 5 == 0) {
            d /= 5;
            fives++;
        }
        int places = Math.max(twos, fives);
        if (d != 1 || places > maxPlaces) {
            return null;
        }
        long scale = 1;
        for (int i = 0; i < places; i++) {
            scale *= 10;
        }
        long scaled = Math.abs(num) * (scale / den);
        String digits = Long.toString(scaled);
        StringBuilder sb = new StringBuilder(places + 4);
        if (num < 0) {
            sb.append('-');
        }
        if (digits.length() <= places) {
            sb.append("0.");
            sb.append("0".repeat(places - digits.length()));
            sb.append(digits);
        } else {
            sb.append(digits, 0, digits.length() - places).append('.');
            sb.append(digits, digits.length() - places, digits.length());
        }
        return sb.toString();
    }

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

    @Override
    public String toString() {
        return plain();
    }
}
