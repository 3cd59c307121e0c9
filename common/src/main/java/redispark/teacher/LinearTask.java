package redispark.teacher;

import redispark.verify.Rational;

/**
 * {@code Solve for x: ax + b = e.} ({@code d = 0}), {@code ax + b = dx + e} or, with {@code paren},
 * {@code a(x + b) = dx + e}.
 *
 * @param a coefficient of x on the left (never 0)
 * @param b constant on the left, inside the parentheses when {@code paren} (never 0)
 * @param d coefficient of x on the right (0 = no x on the right)
 * @param e constant on the right
 * @param paren whether the left side is {@code a(x + b)}
 */
record LinearTask(long a, long b, long d, long e, boolean paren) implements Task {

    LinearTask {
        if (a == 0 || b == 0) {
            throw new IllegalArgumentException("a and b must be non-zero");
        }
        if (a == d) {
            throw new IllegalArgumentException("a must differ from d (no unique solution)");
        }
        if (d != 0 && e == 0) {
            throw new IllegalArgumentException("e must be non-zero when x appears on the right");
        }
    }

    static LinearTask generate(Rng rng, int steps, int digits) {
        int coef = Task.byDigits(digits, 9, 15, 30, 50);
        int cons = Task.byDigits(digits, 20, 60, 200, 999);
        int xs = Task.byDigits(digits, 10, 20, 50, 100);
        boolean paren = steps >= 3;
        boolean rightX = steps >= 2;
        long a;
        long d = 0;
        do {
            a = signed(rng, rng.between(paren || !rightX ? 2 : 1, coef));
            if (rightX) {
                d = signed(rng, rng.between(1, coef));
            }
        } while (Math.abs(a - d) < 2);
        long b = signed(rng, rng.between(1, paren ? Math.max(9, cons / 5) : cons));
        long constLeft = paren ? a * b : b;
        long k = a - d;
        long e = 0;
        if (rng.nextInt(10) < 7) {
            for (int t = 0; t < 10 && e == 0; t++) {
                long x = rng.between(-xs, xs);
                e = k * x + constLeft;
            }
        }
        while (e == 0) {
            e = rng.between(-cons, cons);
        }
        return new LinearTask(a, b, d, e, paren);
    }

    private static long signed(Rng rng, int magnitude) {
        return rng.nextInt(4) == 0 ? -magnitude : magnitude;
    }

    static LinearTask parse(String text) {
        Cursor c = new Cursor(text);
        c.eat("Solve for x: ");
        boolean neg = c.tryEat("-");
        long mag = c.atDigit() ? c.readUnsigned() : 1;
        long a = neg ? -mag : mag;
        boolean paren;
        long b;
        if (c.tryEat("(x")) {
            paren = true;
            b = c.readSpacedSign() * c.readUnsigned();
            c.eat(")");
        } else {
            paren = false;
            c.eat("x");
            b = c.readSpacedSign() * c.readUnsigned();
        }
        c.eat(" = ");
        boolean neg2 = c.tryEat("-");
        boolean digits2 = c.atDigit();
        long mag2 = digits2 ? c.readUnsigned() : 1;
        long d;
        long e;
        if (c.tryEat("x")) {
            d = neg2 ? -mag2 : mag2;
            e = c.readSpacedSign() * c.readUnsigned();
        } else {
            if (!digits2) {
                throw c.fail("expected a number or an x term");
            }
            d = 0;
            e = neg2 ? -mag2 : mag2;
        }
        c.eat(".");
        c.end();
        return new LinearTask(a, b, d, e, paren);
    }

    @Override
    public String render() {
        StringBuilder sb = new StringBuilder(48).append("Solve for x: ");
        if (paren) {
            sb.append(a).append("(x");
        } else {
            sb.append(Scratch.coefX(a));
        }
        sb.append(b < 0 ? " - " : " + ").append(Math.abs(b));
        if (paren) {
            sb.append(')');
        }
        sb.append(" = ");
        if (d != 0) {
            sb.append(Scratch.coefX(d)).append(e < 0 ? " - " : " + ").append(Math.abs(e));
        } else {
            sb.append(e);
        }
        return sb.append('.').toString();
    }

    @Override
    public Rational answer() {
        long constLeft = paren ? a * b : b;
        return Rational.of(e - constLeft, a - d);
    }

    @Override
    public Rational solve(Scratch w) {
        Rational constLeft = paren ? w.distribute(a, b) : Rational.of(b);
        long k = d == 0 ? a : w.collectX(a, d);
        Rational rhs = w.sub(Scratch.coefX(k) + " = ", Rational.of(e), constLeft);
        return w.div("x = ", rhs, Rational.of(k));
    }
}
