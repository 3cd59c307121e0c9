package redispark.teacher;

import java.util.ArrayList;
import java.util.List;
import redispark.verify.Rational;

/**
 * The scratch pad a {@link Task} solves on: every computation writes one trace line and returns its
 * result, which the task feeds into later steps. A noisy pad may slip on any step; the slipped value
 * is what it writes and returns, so the error propagates to the final answer. A clean pad never
 * slips; a counting pad never slips either but keeps the chance that a noisy one would not have.
 *
 * <p>Every slip is guaranteed to change that step's value.
 */
final class Scratch {

    private final StringBuilder out = new StringBuilder(192);
    private final Rng rng;
    private final double p;
    private final ErrorModel model;
    private final List<Slip> slips = new ArrayList<>(2);
    private double survival = 1;

    private Scratch(Rng rng, double p, ErrorModel model) {
        this.rng = rng;
        this.p = p;
        this.model = model;
    }

    /** Never slips. */
    static Scratch clean() {
        return new Scratch(null, 0, ErrorModel.perfect());
    }

    /**
     * Never slips, but keeps the probability that a noisy pad with the same per-step slip probability
     * and model would not have slipped on any step so far ({@link #survival()}).
     */
    static Scratch counting(double slipProbability, ErrorModel model) {
        return new Scratch(null, slipProbability, model);
    }

    static Scratch noisy(Rng rng, double slipProbability, ErrorModel model) {
        return new Scratch(rng, slipProbability, model);
    }

    /** The lines written so far, each ending in {@code '\n'}. */
    String text() {
        return out.toString();
    }

    /** The probability that no step so far would slip (see {@link #counting}). */
    double survival() {
        return survival;
    }

    List<Slip> slips() {
        return slips;
    }

    // ---------------------------------------------------------------------------------------------
    // Plan-level steps.

    /** A planning step that goes wrong in the way {@code kind} describes with chance p × weight. */
    boolean plan(Slip kind) {
        double chance = Math.min(1, p * model.weight(kind));
        survival *= 1 - chance;
        if (rng != null && chance > 0 && rng.chance(chance)) {
            slips.add(kind);
            return true;
        }
        return false;
    }

    /** Uniform in [0, bound); only meaningful after a slip (a clean pad always returns 0). */
    int pick(int bound) {
        return rng == null ? 0 : rng.nextInt(bound);
    }

    /** A line without a computation (no slip possible). */
    void line(String text) {
        out.append(text).append('\n');
    }

    // ---------------------------------------------------------------------------------------------
    // Computation steps.

    /** {@code prefix + "x + y = r"}. */
    Rational add(String prefix, Rational x, Rational y) {
        return additive(prefix, x, y, false);
    }

    /** {@code prefix + "x - y = r"}. */
    Rational sub(String prefix, Rational x, Rational y) {
        return additive(prefix, x, y, true);
    }

    private Rational additive(String prefix, Rational x, Rational y, boolean minus) {
        boolean m = minus ^ (y.signum() < 0); // a negative y is shown as its absolute value
        Rational ya = y.abs();
        if (x.isInteger() && ya.isInteger()) {
            long a = x.numerator();
            long b = ya.numerator();
            long correct = m ? Math.subtractExact(a, b) : Math.addExact(a, b);
            long r = correct;
            Slip s = draw(Slip.CARRY, Slip.OFF_BY_ONE, Slip.SIGN, Slip.NEAR_MISS);
            if (s == Slip.NEAR_MISS) {
                r = nearMiss(correct);
            } else if (s == Slip.SIGN) {
                if (correct < 0) {
                    r = -correct; // dropped the minus sign of the result
                } else {
                    m = !m; // wrote (and used) the wrong operator
                    r = m ? a - b : a + b;
                }
            } else if (s == Slip.CARRY) {
                r = carry(correct);
            } else if (s == Slip.OFF_BY_ONE) {
                r = offByOne(correct);
            }
            if (s != null && r == correct) {
                s = Slip.OFF_BY_ONE;
                r = offByOne(correct);
            }
            record(s);
            out.append(prefix).append(x.plain()).append(m ? " - " : " + ").append(b);
            out.append(" = ").append(r).append('\n');
            return Rational.of(r);
        }

        long l = Arithmetic.lcm(x.denominator(), ya.denominator());
        long fx = l / x.denominator();
        long fy = l / ya.denominator();
        long nx = Math.multiplyExact(x.numerator(), fx);
        long ny = Math.multiplyExact(ya.numerator(), fy);
        long correct = m ? nx - ny : nx + ny;
        Slip s = draw(fx != 1 || fy != 1 ? Slip.COMMON_DENOMINATOR : null, Slip.OFF_BY_ONE, Slip.SIGN);
        boolean sm = m;
        if (s == Slip.COMMON_DENOMINATOR) {
            if (fy != 1 && (fx == 1 || rng.coin())) {
                ny = ya.numerator(); // forgot to scale the second numerator
            } else {
                nx = x.numerator(); // forgot to scale the first numerator
            }
        } else if (s == Slip.SIGN) {
            sm = !m;
        }
        long n = sm ? nx - ny : nx + ny;
        if (s == Slip.OFF_BY_ONE) {
            n = offByOne(n);
        }
        if (s != null && n == correct) {
            s = Slip.OFF_BY_ONE;
            n = offByOne(correct);
        }
        record(s);
        out.append(prefix)
                .append(x.plain())
                .append(m ? " - " : " + ")
                .append(ya.plain())
                .append(" = ");
        if (x.denominator() != ya.denominator()) {
            out.append(nx).append('/').append(l).append(sm ? " - " : " + ");
            out.append(ny).append('/').append(l).append(" = ");
        }
        out.append(n).append('/').append(l).append('\n');
        return reduce("", n, l, false);
    }

    /** {@code prefix + "x * y = r"}; a non-integer product gets a reduction line. */
    Rational mul(String prefix, Rational x, Rational y) {
        long n = Math.multiplyExact(x.numerator(), y.numerator());
        long d = Math.multiplyExact(x.denominator(), y.denominator());
        boolean integers = x.isInteger() && y.isInteger();
        Slip s = draw(Math.abs(n) >= 10 ? Slip.CARRY : null, Slip.OFF_BY_ONE, integers ? Slip.NEAR_MISS : null);
        if (s == Slip.CARRY) {
            n = carry(n);
        } else if (s == Slip.OFF_BY_ONE) {
            n = offByOne(n);
        } else if (s == Slip.NEAR_MISS) {
            // half the time a neighbouring entry of the times table (x * (y ± 1) or (x ± 1) * y)
            long neighbour = rng.coin() ? x.numerator() : y.numerator();
            n = rng.coin() && neighbour != 0 ? (rng.coin() ? n + neighbour : n - neighbour) : nearMiss(n);
        }
        record(s);
        out.append(prefix).append(x.plain()).append(" * ");
        appendOperand(y);
        out.append(" = ").append(n);
        if (d != 1) {
            out.append('/').append(d).append('\n');
            return reduce("", n, d, false);
        }
        out.append('\n');
        return Rational.of(n);
    }

    /** {@code prefix + "x / y = r"}; a non-exact integer quotient is reduced on the same line. */
    Rational div(String prefix, Rational x, Rational y) {
        Rational correct = x.divide(y);
        Rational r;
        Slip s;
        if (x.isInteger() && y.isInteger()) {
            long n = y.numerator() < 0 ? -x.numerator() : x.numerator();
            long d = Math.abs(y.numerator());
            long g = Arithmetic.gcd(n, d);
            if (g == d) {
                s = draw(Math.abs(correct.numerator()) >= 10 ? Slip.CARRY : null, Slip.OFF_BY_ONE, null);
                long q = correct.numerator();
                if (s == Slip.CARRY) {
                    q = carry(q);
                } else if (s == Slip.OFF_BY_ONE) {
                    q = offByOne(q);
                }
                r = Rational.of(q);
            } else {
                s = draw(g > 1 ? Slip.WRONG_REDUCTION : null, Slip.OFF_BY_ONE, null);
                long rn = n / g;
                long rd = d / g;
                if (s == Slip.WRONG_REDUCTION) {
                    rd *= smallestPrimeFactor(g);
                } else if (s == Slip.OFF_BY_ONE) {
                    rn = offByOne(rn);
                }
                r = Rational.of(rn, rd);
                if (s != null) {
                    // written as computed (possibly not fully reduced), the value is what propagates
                    record(s);
                    out.append(prefix).append(x.plain()).append(" / ");
                    appendOperand(y);
                    out.append(" = ").append(rn).append('/').append(rd).append('\n');
                    return r;
                }
            }
        } else {
            s = draw(null, Slip.OFF_BY_ONE, null);
            r = s == null ? correct : Rational.of(offByOne(correct.numerator()), correct.denominator());
        }
        if (s != null && r.equals(correct)) {
            s = Slip.OFF_BY_ONE;
            r = Rational.of(offByOne(correct.numerator()), correct.denominator());
        }
        record(s);
        out.append(prefix).append(x.plain()).append(" / ");
        appendOperand(y);
        out.append(" = ").append(r.plain()).append('\n');
        return r;
    }

    /**
     * Reduces {@code n/d} (d &gt; 0) on a line {@code prefix + "n/d = r"}. Irreducible fractions get
     * no line unless {@code always}, and then no slip is possible.
     */
    Rational reduce(String prefix, long n, long d, boolean always) {
        long g = Arithmetic.gcd(n, d);
        if (g == 1 || n == 0) {
            if (always || n == 0 && d != 1) {
                out.append(prefix).append(n).append('/').append(d);
                if (n == 0) {
                    out.append(" = 0");
                }
                out.append('\n');
            }
            return Rational.of(n, d);
        }
        Slip s = draw(Slip.WRONG_REDUCTION, null, null);
        long rn = n / g;
        long rd = d / g;
        if (s != null) {
            rd *= smallestPrimeFactor(g); // cancelled the full factor above, only part of it below
        }
        record(s);
        out.append(prefix).append(n).append('/').append(d).append(" = ").append(rn);
        if (rd != 1) {
            out.append('/').append(rd);
        }
        out.append('\n');
        return Rational.of(rn, rd);
    }

    /** {@code "a(x + b) = ax + ab"}; returns the constant {@code ab}. */
    Rational distribute(long a, long b) {
        long correct = Math.multiplyExact(a, b);
        long r = correct;
        Slip s = draw(Math.abs(correct) >= 10 ? Slip.CARRY : null, Slip.OFF_BY_ONE, Slip.SIGN);
        if (s == Slip.SIGN) {
            r = -correct;
        } else if (s == Slip.CARRY) {
            r = carry(correct);
        } else if (s == Slip.OFF_BY_ONE) {
            r = offByOne(correct);
        }
        if (s != null && r == correct) {
            s = Slip.OFF_BY_ONE;
            r = offByOne(correct);
        }
        record(s);
        out.append(a)
                .append("(x ")
                .append(b < 0 ? "- " : "+ ")
                .append(Math.abs(b))
                .append(") = ");
        out.append(coefX(a)).append(r < 0 ? " - " : " + ").append(Math.abs(r)).append('\n');
        return Rational.of(r);
    }

    /** {@code "ax - dx = kx"}; returns {@code k}, never 0. */
    long collectX(long a, long d) {
        long correct = Math.subtractExact(a, d);
        long k = correct;
        Slip s = draw(Math.abs(correct) >= 10 ? Slip.CARRY : null, Slip.OFF_BY_ONE, Slip.SIGN);
        if (s == Slip.SIGN) {
            k = a + d; // moved dx across without changing its sign
        } else if (s == Slip.CARRY) {
            k = carry(correct);
        } else if (s == Slip.OFF_BY_ONE) {
            k = offByOne(correct);
        }
        if (s != null && (k == correct || k == 0)) {
            s = Slip.SIGN;
            k = -correct;
        }
        record(s);
        out.append(coefX(a)).append(d < 0 ? " + " : " - ").append(coefX(Math.abs(d)));
        out.append(" = ").append(coefX(k)).append('\n');
        return k;
    }

    // ---------------------------------------------------------------------------------------------

    static String coefX(long k) {
        if (k == 1) {
            return "x";
        }
        if (k == -1) {
            return "-x";
        }
        return k + "x";
    }

    private void appendOperand(Rational y) {
        if (y.signum() < 0) {
            out.append('(').append(y.plain()).append(')');
        } else {
            out.append(y.plain());
        }
    }

    /**
     * One computed line where the given kinds (nulls ignored) could happen: slips with chance p when
     * any of them weighs more than 0, the kind drawn in proportion to the weights.
     */
    private Slip draw(Slip... kinds) {
        double total = 0;
        int k = 0;
        boolean equal = true;
        double first = 0;
        for (Slip kind : kinds) {
            double w = kind == null ? 0 : model.weight(kind);
            if (w > 0) {
                equal &= k == 0 || w == first;
                first = k == 0 ? w : first;
                total += w;
                k++;
            }
        }
        double chance = total > 0 ? p : 0;
        survival *= 1 - chance;
        if (rng == null || chance == 0 || !rng.chance(chance)) {
            return null;
        }
        // equal weights draw with nextInt, as before weights existed, so default traces keep their bytes
        double target = equal ? rng.nextInt(k) + 0.5 : rng.nextDouble() * total;
        Slip last = null;
        for (Slip kind : kinds) {
            double w = kind == null ? 0 : equal ? Math.signum(model.weight(kind)) : model.weight(kind);
            if (w > 0) {
                last = kind;
                target -= w;
                if (target < 0) {
                    return kind;
                }
            }
        }
        return last;
    }

    private void record(Slip s) {
        if (s != null) {
            slips.add(s);
        }
    }

    /** Off by 1 to 5, smaller misses likelier (about 45 %, 25 %, 14 %, 8 %, 9 %). */
    private long nearMiss(long v) {
        int d = 1;
        while (d < 5 && rng.chance(0.55)) {
            d++;
        }
        return rng.coin() ? v + d : v - d;
    }

    private long offByOne(long v) {
        return rng.coin() ? v + 1 : v - 1;
    }

    /** Off by a power of ten that is at most the value's leading place (never flips the sign). */
    private long carry(long v) {
        long a = Math.abs(v);
        int digits = Long.toString(a).length();
        long pow = 10;
        if (digits >= 2) {
            int k = 1 + rng.nextInt(digits - 1);
            pow = 1;
            for (int i = 0; i < k; i++) {
                pow *= 10;
            }
        }
        long na = rng.coin() && a - pow >= 0 ? a - pow : a + pow;
        return v < 0 ? -na : na;
    }

    private static long smallestPrimeFactor(long g) {
        for (long q = 2; q * q <= g; q++) {
            if (g % q == 0) {
                return q;
            }
        }
        return g;
    }
}
