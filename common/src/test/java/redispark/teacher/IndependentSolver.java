package redispark.teacher;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Solves the synthetic problem texts from scratch (regular expressions, a tiny recursive-descent
 * evaluator, brute-force sums), independently of the production solver.
 */
final class IndependentSolver {

    private static final Pattern PERCENT_OF = Pattern.compile("What is (\\d+)% of (\\d+)\\?");
    private static final Pattern PERCENT_CHANGE =
            Pattern.compile("A price of (\\d+) is (increased|decreased) by (\\d+)%"
                    + "(?: and then (increased|decreased) by (\\d+)%)?\\. What is the (?:new|final) price\\?");
    private static final Pattern SEQ_NTH = Pattern.compile(
            "What is the (\\d+)(?:st|nd|rd|th) term of the arithmetic sequence (-?\\d+), (-?\\d+), (-?\\d+), \\.\\.\\.\\?");
    private static final Pattern SEQ_SUM = Pattern.compile(
            "What is the sum of the first (\\d+) terms of the arithmetic sequence (-?\\d+), (-?\\d+), (-?\\d+), \\.\\.\\.\\?");
    private static final Pattern SEQ_TWO = Pattern.compile(
            "The (\\d+)(?:st|nd|rd|th) term of an arithmetic sequence is (-?\\d+) and the (\\d+)(?:st|nd|rd|th)"
                    + " term is (-?\\d+)\\. What is the (\\d+)(?:st|nd|rd|th) term\\?");

    private IndependentSolver() {}

    static Frac solve(Problem p) {
        String t = p.problem();
        return switch (p.source()) {
            case "arithmetic", "fractions" -> expression(t);
            case "linear_equation" -> linear(t);
            case "percent" -> percent(t);
            case "sequence" -> sequence(t);
            default -> throw new IllegalArgumentException(p.source());
        };
    }

    // ---- expressions: Compute a op b op c.

    private static Frac expression(String t) {
        if (!t.startsWith("Compute ") || !t.endsWith(".")) {
            throw new IllegalArgumentException(t);
        }
        String body = t.substring(8, t.length() - 1).replaceAll("\\\\frac\\{(\\d+)\\}\\{(\\d+)\\}", "$1/$2");
        List<String> tokens = List.of(body.split(" "));
        // sum of products
        Frac total = null;
        char sign = '+';
        Frac product = Frac.plain(tokens.get(0));
        for (int i = 1; i < tokens.size(); i += 2) {
            char op = tokens.get(i).charAt(0);
            Frac next = Frac.plain(tokens.get(i + 1));
            if (op == '*') {
                product = product.times(next);
            } else {
                total = total == null ? product : sign == '+' ? total.plus(product) : total.minus(product);
                sign = op;
                product = next;
            }
        }
        return total == null ? product : sign == '+' ? total.plus(product) : total.minus(product);
    }

    // ---- linear equations: evaluate both sides at x = 0 and x = 1.

    private static Frac linear(String t) {
        String eq = t.substring("Solve for x: ".length(), t.length() - 1);
        String[] sides = eq.split(" = ");
        Frac l0 = new LinearSideEvaluator(sides[0], Frac.of(0)).expr();
        Frac l1 = new LinearSideEvaluator(sides[0], Frac.of(1)).expr();
        Frac r0 = new LinearSideEvaluator(sides[1], Frac.of(0)).expr();
        Frac r1 = new LinearSideEvaluator(sides[1], Frac.of(1)).expr();
        Frac slope = l1.minus(l0).minus(r1.minus(r0));
        return r0.minus(l0).over(slope);
    }

    /** expr := term (('+'|'-') term)*; term := ['-'] [int] ('x' | '(' expr ')')? (implicit *). */
    private static final class LinearSideEvaluator {
        private final String s;
        private final Frac x;
        private int i;

        LinearSideEvaluator(String s, Frac x) {
            this.s = s.replace(" ", "");
            this.x = x;
        }

        Frac expr() {
            Frac v = term();
            while (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                char op = s.charAt(i++);
                Frac w = term();
                v = op == '+' ? v.plus(w) : v.minus(w);
            }
            return v;
        }

        private Frac term() {
            boolean neg = false;
            if (s.charAt(i) == '-') {
                neg = true;
                i++;
            }
            Frac v = null;
            int start = i;
            while (i < s.length() && Character.isDigit(s.charAt(i))) {
                i++;
            }
            if (i > start) {
                v = Frac.of(Long.parseLong(s.substring(start, i)));
            }
            if (i < s.length() && s.charAt(i) == 'x') {
                i++;
                v = v == null ? x : v.times(x);
            } else if (i < s.length() && s.charAt(i) == '(') {
                i++;
                Frac inner = expr();
                i++; // ')'
                v = v == null ? inner : v.times(inner);
            }
            return neg ? Frac.of(0).minus(v) : v;
        }
    }

    // ---- percentages

    private static Frac percent(String t) {
        Matcher m = PERCENT_OF.matcher(t);
        if (m.matches()) {
            return Frac.of(Long.parseLong(m.group(1)) * Long.parseLong(m.group(2)), 100);
        }
        m = PERCENT_CHANGE.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException(t);
        }
        Frac v = Frac.of(Long.parseLong(m.group(1)));
        v = applyChange(v, m.group(2), m.group(3));
        if (m.group(4) != null) {
            v = applyChange(v, m.group(4), m.group(5));
        }
        return v;
    }

    private static Frac applyChange(Frac v, String dir, String pct) {
        Frac part = v.times(Frac.of(Long.parseLong(pct), 100));
        return dir.equals("increased") ? v.plus(part) : v.minus(part);
    }

    // ---- sequences: walk the sequence term by term

    private static Frac sequence(String t) {
        Matcher m = SEQ_NTH.matcher(t);
        if (m.matches()) {
            List<Long> terms =
                    walk(Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), Integer.parseInt(m.group(1)));
            return Frac.of(terms.get(terms.size() - 1));
        }
        m = SEQ_SUM.matcher(t);
        if (m.matches()) {
            long sum = 0;
            for (long v : walk(Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), Integer.parseInt(m.group(1)))) {
                sum += v;
            }
            return Frac.of(sum);
        }
        m = SEQ_TWO.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException(t);
        }
        int i = Integer.parseInt(m.group(1));
        long vi = Long.parseLong(m.group(2));
        int j = Integer.parseInt(m.group(3));
        long vj = Long.parseLong(m.group(4));
        int n = Integer.parseInt(m.group(5));
        long step = (vj - vi) / (j - i);
        long v = vj;
        for (int k = j; k < n; k++) {
            v += step;
        }
        return Frac.of(v);
    }

    private static List<Long> walk(long first, long second, int count) {
        List<Long> out = new ArrayList<>(count);
        long step = second - first;
        long v = first;
        for (int k = 0; k < count; k++) {
            out.add(v);
            v += step;
        }
        return out;
    }
}
