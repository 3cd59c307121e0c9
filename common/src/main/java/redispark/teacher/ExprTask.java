package redispark.teacher;

import java.util.ArrayList;
import java.util.List;
import redispark.verify.Rational;

/**
 * {@code Compute 23 + 45 - 12 * 3.} or {@code Compute \frac{3}{4} + \frac{5}{6}.}: operands joined
 * by {@code +}, {@code -}, {@code *} with the usual precedence.
 *
 * @param operands the operands, positive; integers for ARITHMETIC, proper fractions for FRACTIONS
 * @param ops one operator character per gap: {@code '+'}, {@code '-'} or {@code '*'}
 */
record ExprTask(List<Rational> operands, String ops) implements Task {

    ExprTask {
        operands = List.copyOf(operands);
        if (operands.size() != ops.length() + 1 || ops.isEmpty()) {
            throw new IllegalArgumentException("need one more operand than operators: " + ops);
        }
        for (int i = 0; i < ops.length(); i++) {
            char c = ops.charAt(i);
            if (c != '+' && c != '-' && c != '*') {
                throw new IllegalArgumentException("unsupported operator " + c);
            }
        }
    }

    static ExprTask generate(Rng rng, int steps, int digits, boolean fractions) {
        StringBuilder ops = new StringBuilder(steps);
        for (int i = 0; i < steps; i++) {
            int r = rng.nextInt(100);
            char op;
            if (fractions) {
                op = r < 45 ? '+' : r < 80 ? '-' : '*';
            } else {
                op = r < 40 ? '+' : r < 72 ? '-' : '*';
            }
            if (op == '*' && i >= 2 && ops.charAt(i - 1) == '*' && ops.charAt(i - 2) == '*') {
                op = '+'; // keep products to at most three factors
            }
            ops.append(op);
        }
        List<Rational> operands = new ArrayList<>(steps + 1);
        for (int i = 0; i <= steps; i++) {
            if (fractions) {
                int den = rng.between(2, Task.byDigits(digits, 6, 12, 20, 30));
                int num = rng.between(1, den - 1);
                for (int t = 0; t < 20 && Arithmetic.gcd(num, den) != 1; t++) {
                    num = rng.between(1, den - 1);
                }
                if (Arithmetic.gcd(num, den) != 1) {
                    num = 1;
                }
                operands.add(Rational.of(num, den));
            } else {
                boolean afterStar = i > 0 && ops.charAt(i - 1) == '*';
                boolean beforeStar = i < steps && ops.charAt(i) == '*';
                long v;
                if (afterStar) {
                    v = rng.between(2, digits == 1 ? 9 : 12);
                } else if (beforeStar) {
                    v = rng.between(2, (int) Math.min(99, Task.pow10(digits) - 1));
                } else {
                    int lo = digits == 1 ? 1 : (int) Task.pow10(digits - 1);
                    v = rng.between(lo, (int) Task.pow10(digits) - 1);
                }
                operands.add(Rational.of(v));
            }
        }
        return new ExprTask(operands, ops.toString());
    }

    static ExprTask parse(String text) {
        Cursor c = new Cursor(text);
        c.eat("Compute ");
        List<Rational> operands = new ArrayList<>();
        StringBuilder ops = new StringBuilder();
        while (true) {
            if (c.tryEat("\\frac{")) {
                long n = c.readUnsigned();
                c.eat("}{");
                long d = c.readUnsigned();
                c.eat("}");
                if (d == 0) {
                    throw c.fail("zero denominator");
                }
                operands.add(Rational.of(n, d));
            } else {
                operands.add(Rational.of(c.readUnsigned()));
            }
            if (c.tryEat(".")) {
                c.end();
                break;
            }
            if (c.tryEat(" + ")) {
                ops.append('+');
            } else if (c.tryEat(" - ")) {
                ops.append('-');
            } else if (c.tryEat(" * ")) {
                ops.append('*');
            } else {
                throw c.fail("expected an operator or '.'");
            }
        }
        return new ExprTask(operands, ops.toString());
    }

    @Override
    public String render() {
        StringBuilder sb = new StringBuilder(64).append("Compute ");
        for (int i = 0; i < operands.size(); i++) {
            if (i > 0) {
                sb.append(' ').append(ops.charAt(i - 1)).append(' ');
            }
            Rational r = operands.get(i);
            sb.append(r.isInteger() ? r.plain() : r.latex());
        }
        return sb.append('.').toString();
    }

    @Override
    public Rational answer() {
        Rational acc = null;
        char pending = '+';
        Rational term = operands.get(0);
        for (int i = 0; i < ops.length(); i++) {
            char op = ops.charAt(i);
            Rational next = operands.get(i + 1);
            if (op == '*') {
                term = term.multiply(next);
            } else {
                acc = combine(acc, pending, term);
                pending = op;
                term = next;
            }
        }
        return combine(acc, pending, term);
    }

    private static Rational combine(Rational acc, char op, Rational term) {
        if (acc == null) {
            return term;
        }
        return op == '-' ? acc.subtract(term) : acc.add(term);
    }

    /**
     * Products first (one line per multiplication), then the sum left to right; a miscopy slip changes
     * one operand by 1 or 2 before any line is written.
     */
    @Override
    public Rational solve(Scratch w) {
        List<Rational> values = operands;
        if (operands.stream().allMatch(Rational::isInteger) && w.plan(Slip.MISCOPY)) {
            values = new ArrayList<>(operands);
            int i = w.pick(values.size());
            long v = values.get(i).numerator();
            long d = 1 + w.pick(2);
            values.set(i, Rational.of(v - d >= 1 && w.pick(2) == 0 ? v - d : v + d));
        }
        List<List<Rational>> terms = new ArrayList<>();
        StringBuilder signs = new StringBuilder().append('+');
        List<Rational> current = new ArrayList<>();
        current.add(values.get(0));
        for (int i = 0; i < ops.length(); i++) {
            char op = ops.charAt(i);
            if (op != '*') {
                terms.add(current);
                current = new ArrayList<>();
                signs.append(op);
            }
            current.add(values.get(i + 1));
        }
        terms.add(current);
        if (terms.size() >= 3 && w.plan(Slip.DROPPED_TERM)) {
            int k = 1 + w.pick(terms.size() - 1);
            terms.remove(k);
            signs.deleteCharAt(k);
        }
        Rational acc = null;
        for (int t = 0; t < terms.size(); t++) {
            List<Rational> factors = terms.get(t);
            Rational v = factors.get(0);
            for (int f = 1; f < factors.size(); f++) {
                v = w.mul("", v, factors.get(f));
            }
            if (acc == null) {
                acc = v;
            } else {
                acc = signs.charAt(t) == '-' ? w.sub("", acc, v) : w.add("", acc, v);
            }
        }
        return acc;
    }
}
