package redispark.teacher;

import redispark.verify.Rational;

/**
 * Arithmetic sequences with first term {@code a1} and common difference {@code diff}:
 *
 * <ul>
 *   <li>{@link #NTH}: {@code What is the 20th term of the arithmetic sequence 3, 7, 11, ...?}
 *   <li>{@link #TWO_TERMS}: {@code The 3rd term of an arithmetic sequence is 11 and the 7th term is
 *       27. What is the 20th term?}
 *   <li>{@link #SUM}: {@code What is the sum of the first 20 terms of the arithmetic sequence 3, 7,
 *       11, ...?}
 * </ul>
 *
 * @param form {@link #NTH}, {@link #TWO_TERMS} or {@link #SUM}
 * @param a1 the first term
 * @param diff the common difference (non-zero)
 * @param i the first given position ({@link #TWO_TERMS} only, else 0)
 * @param j the second given position ({@link #TWO_TERMS} only, else 0)
 * @param n the asked position, or the number of terms summed
 */
record SequenceTask(int form, long a1, long diff, int i, int j, int n) implements Task {

    static final int NTH = 1;
    static final int TWO_TERMS = 2;
    static final int SUM = 3;

    SequenceTask {
        if (form < NTH || form > SUM || diff == 0 || n < 4) {
            throw new IllegalArgumentException("bad sequence task");
        }
        if (form == TWO_TERMS ? !(1 <= i && i + 2 <= j && j < n) : (i != 0 || j != 0)) {
            throw new IllegalArgumentException("bad positions " + i + ", " + j + ", " + n);
        }
    }

    static SequenceTask generate(Rng rng, int steps, int digits) {
        int amax = Task.byDigits(digits, 9, 50, 200, 999);
        int dmax = Task.byDigits(digits, 9, 15, 40, 99);
        int nmin = Task.byDigits(digits, 5, 10, 20, 30);
        int nmax = Task.byDigits(digits, 12, 40, 100, 200);
        long a1 = digits == 1 ? rng.between(1, amax) : rng.between(-amax / 2, amax);
        long diff = rng.between(2, dmax);
        if (rng.nextInt(10) < 3) {
            diff = -diff;
        }
        int form = Math.min(Math.max(steps, NTH), SUM);
        if (form == TWO_TERMS) {
            int i = rng.between(2, 6);
            int j = rng.between(i + 2, i + 6);
            int n = rng.between(j + 3, Math.max(j + 3, nmax));
            return new SequenceTask(form, a1, diff, i, j, n);
        }
        return new SequenceTask(form, a1, diff, 0, 0, rng.between(nmin, nmax));
    }

    long term(long k) {
        return a1 + (k - 1) * diff;
    }

    static SequenceTask parse(String text) {
        Cursor c = new Cursor(text);
        if (c.tryEat("The ")) {
            int i = c.readOrdinal();
            c.eat(" term of an arithmetic sequence is ");
            long ti = c.readSigned();
            c.eat(" and the ");
            int j = c.readOrdinal();
            c.eat(" term is ");
            long tj = c.readSigned();
            c.eat(". What is the ");
            int n = c.readOrdinal();
            c.eat(" term?");
            c.end();
            if (j <= i || (tj - ti) % (j - i) != 0) {
                throw c.fail("the given terms do not define an integer common difference");
            }
            long diff = (tj - ti) / (j - i);
            return new SequenceTask(TWO_TERMS, ti - (i - 1) * diff, diff, i, j, n);
        }
        c.eat("What is the ");
        int form;
        int n;
        if (c.tryEat("sum of the first ")) {
            form = SUM;
            n = (int) c.readUnsigned();
            c.eat(" terms of the arithmetic sequence ");
        } else {
            form = NTH;
            n = c.readOrdinal();
            c.eat(" term of the arithmetic sequence ");
        }
        long t1 = c.readSigned();
        c.eat(", ");
        long t2 = c.readSigned();
        c.eat(", ");
        long t3 = c.readSigned();
        c.eat(", ...?");
        c.end();
        if (t3 - t2 != t2 - t1) {
            throw c.fail("not an arithmetic sequence");
        }
        return new SequenceTask(form, t1, t2 - t1, 0, 0, n);
    }

    @Override
    public String render() {
        return switch (form) {
            case NTH ->
                "What is the " + Cursor.ordinal(n) + " term of the arithmetic sequence " + shownTerms() + ", ...?";
            case TWO_TERMS ->
                "The " + Cursor.ordinal(i) + " term of an arithmetic sequence is "
                        + term(i) + " and the " + Cursor.ordinal(j) + " term is " + term(j)
                        + ". What is the " + Cursor.ordinal(n) + " term?";
            default ->
                "What is the sum of the first " + n + " terms of the arithmetic sequence " + shownTerms() + ", ...?";
        };
    }

    private String shownTerms() {
        return term(1) + ", " + term(2) + ", " + term(3);
    }

    @Override
    public Rational answer() {
        if (form == SUM) {
            return Rational.of(n * (2 * a1 + (n - 1) * diff), 2);
        }
        return Rational.of(term(n));
    }

    @Override
    public Rational solve(Scratch w) {
        Rational start;
        Rational d;
        int m;
        if (form == TWO_TERMS) {
            int gap = j - i;
            Rational span = w.sub(gap + "d = ", Rational.of(term(j)), Rational.of(term(i)));
            d = w.div("d = ", span, Rational.of(gap));
            start = Rational.of(term(j));
            m = n - j;
        } else {
            start = Rational.of(a1);
            d = w.sub("d = ", Rational.of(term(2)), Rational.of(a1));
            m = n - 1;
        }
        if (w.plan(Slip.INDEX)) {
            m++; // counted the steps from the known term inclusively
        }
        w.line("a_" + n + " = " + start.plain() + " + " + m + " * " + operand(d));
        Rational an = w.add("", start, w.mul("", Rational.of(m), d));
        if (form != SUM) {
            return an;
        }
        w.line("S = " + n + " * (" + start.plain() + (an.signum() < 0 ? " - " : " + ")
                + an.abs().plain() + ") / 2");
        Rational pairSum = w.add("", start, an);
        Rational doubled = w.mul("", Rational.of(n), pairSum);
        return w.div("", doubled, Rational.of(2));
    }

    private static String operand(Rational r) {
        return r.signum() < 0 ? "(" + r.plain() + ")" : r.plain();
    }
}
