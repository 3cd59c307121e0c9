package redispark.teacher;

import redispark.verify.Rational;

/**
 * {@code What is p% of base?}, one change ({@code A price of 240 is increased by 25%. What is the
 * new price?}) or two successive changes ({@code ... is increased by 25% and then decreased by
 * 20%. What is the final price?}). Generated problems always have integer answers.
 *
 * @param base the starting amount
 * @param p the first percentage, 1..99
 * @param dirP 0 = "p% of base", +1 = increase, -1 = decrease
 * @param q the second percentage (0 when there is no second change)
 * @param dirQ +1 / -1 for the second change, 0 when there is none
 */
record PercentTask(long base, int p, int dirP, int q, int dirQ) implements Task {

    private static final int[] EASY = {10, 20, 25, 50};
    private static final int[] MEDIUM = {5, 10, 15, 20, 25, 30, 40, 50, 60, 75, 80};

    PercentTask {
        if (base <= 0 || p < 1 || p > 99 || dirP < -1 || dirP > 1 || dirQ < -1 || dirQ > 1) {
            throw new IllegalArgumentException("bad percent task");
        }
        if ((dirQ == 0) != (q == 0) || (dirQ != 0 && (dirP == 0 || q < 1 || q > 99))) {
            throw new IllegalArgumentException("bad second change");
        }
    }

    static PercentTask generate(Rng rng, int steps, int digits) {
        int p = percent(rng, digits);
        long den = 100 / Arithmetic.gcd(p, 100);
        int kmax = Task.byDigits(digits, 9, 20, 40, 99);
        if (steps <= 1) {
            return new PercentTask(den * rng.between(1, kmax), p, 0, 0, 0);
        }
        int dirP = rng.nextInt(5) < 3 ? 1 : -1;
        if (steps == 2) {
            return new PercentTask(den * rng.between(1, kmax), p, dirP, 0, 0);
        }
        int q = percent(rng, digits);
        long den2 = 100 / Arithmetic.gcd(q, 100);
        int dirQ = rng.nextInt(5) < 3 ? -1 : 1;
        long base = den * den2 * rng.between(1, Math.max(2, kmax / 4));
        return new PercentTask(base, p, dirP, q, dirQ);
    }

    private static int percent(Rng rng, int digits) {
        if (digits <= 1) {
            return EASY[rng.nextInt(EASY.length)];
        }
        if (digits == 2) {
            return MEDIUM[rng.nextInt(MEDIUM.length)];
        }
        while (true) { // any percentage whose reduced denominator is at most 25
            int p = rng.between(1, 99);
            if (100 / Arithmetic.gcd(p, 100) <= 25) {
                return p;
            }
        }
    }

    static PercentTask parse(String text) {
        Cursor c = new Cursor(text);
        if (c.tryEat("What is ")) {
            int p = (int) c.readUnsigned();
            c.eat("% of ");
            long base = c.readUnsigned();
            c.eat("?");
            c.end();
            return new PercentTask(base, p, 0, 0, 0);
        }
        c.eat("A price of ");
        long base = c.readUnsigned();
        c.eat(" is ");
        int dirP = readDirection(c);
        c.eat(" by ");
        int p = (int) c.readUnsigned();
        c.eat("%");
        if (c.tryEat(". What is the new price?")) {
            c.end();
            return new PercentTask(base, p, dirP, 0, 0);
        }
        c.eat(" and then ");
        int dirQ = readDirection(c);
        c.eat(" by ");
        int q = (int) c.readUnsigned();
        c.eat("%. What is the final price?");
        c.end();
        return new PercentTask(base, p, dirP, q, dirQ);
    }

    private static int readDirection(Cursor c) {
        if (c.tryEat("increased")) {
            return 1;
        }
        c.eat("decreased");
        return -1;
    }

    private static String direction(int dir) {
        return dir > 0 ? "increased" : "decreased";
    }

    @Override
    public String render() {
        if (dirP == 0) {
            return "What is " + p + "% of " + base + "?";
        }
        String first = "A price of " + base + " is " + direction(dirP) + " by " + p + "%";
        if (dirQ == 0) {
            return first + ". What is the new price?";
        }
        return first + " and then " + direction(dirQ) + " by " + q + "%. What is the final price?";
    }

    @Override
    public Rational answer() {
        Rational b = Rational.of(base);
        if (dirP == 0) {
            return b.multiply(Rational.of(p, 100));
        }
        Rational b1 = change(b, p, dirP);
        return dirQ == 0 ? b1 : change(b1, q, dirQ);
    }

    private static Rational change(Rational b, int pct, int dir) {
        return b.multiply(Rational.of(100 + dir * pct, 100));
    }

    @Override
    public Rational solve(Scratch w) {
        Rational b = Rational.of(base);
        if (dirP == 0) {
            return percentOf(w, b, p);
        }
        Rational b1 = changeBy(w, b, p, dirP);
        return dirQ == 0 ? b1 : changeBy(w, b1, q, dirQ);
    }

    private static Rational changeBy(Scratch w, Rational b, int pct, int dir) {
        Rational part = percentOf(w, b, pct);
        return dir > 0 ? w.add("", b, part) : w.sub("", b, part);
    }

    /** {@code 15% = 15/100 = 3/20}, {@code 240 / 20 = 12}, {@code 12 * 3 = 36}. */
    private static Rational percentOf(Scratch w, Rational b, int pct) {
        Rational f = w.reduce(pct + "% = ", pct, 100, true);
        Rational part = w.div("", b, Rational.of(f.denominator()));
        if (f.numerator() != 1) {
            part = w.mul("", part, Rational.of(f.numerator()));
        }
        return part;
    }
}
