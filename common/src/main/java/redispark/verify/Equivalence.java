package redispark.verify;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides whether a predicted {@link Answer} equals the gold one. The gold's type leads: a label
 * ("x = 5") is compared by its value to a bare value, a comma list is an unordered set, an interval
 * may be matched by the equivalent inequality, and so on. Numbers are compared exactly, or within
 * the precision their decimals were written with ({@link Val#same}); expressions with variables by
 * evaluation at fixed pseudo-random points.
 */
final class Equivalence {

    private static final int POINTS = 4;
    private static final int MIN_GOOD_POINTS = 3;
    private static final int MAX_SET_COMPARISONS = 4096;
    private static final Pattern RATIO_TEXT = Pattern.compile("\\d{1,9}:\\d{1,9}");

    private final Deadline deadline;
    /** Lenient decimals ({@link Tolerance#same}): the option, or a question that asks for rounding. */
    private final boolean approximate;

    private int comparisons;

    Equivalence(Deadline deadline) {
        this(deadline, false);
    }

    Equivalence(Deadline deadline, boolean approximate) {
        this.deadline = deadline;
        this.approximate = approximate;
    }

    boolean equal(Answer g, Answer p) {
        deadline.check();
        g = unwrapSingleton(g);
        p = unwrapSingleton(p);
        if (g.equals(p)) {
            return true;
        }
        if (g instanceof Answer.Choice gc) {
            return choiceOf(p) == gc.letter();
        }
        if (g instanceof Answer.Labeled gl) {
            if (gl.labelNode() == null && p instanceof Answer.SetOf ps && ps.bare()) {
                // (p, q) = (3, 2) against "p = 3, q = 2"
                return assignmentsEqual(gl, ps);
            }
            if (p instanceof Answer.Labeled pl) {
                if (sameLabel(gl, pl) && equal(gl.value(), pl.value())) {
                    return true;
                }
                return relationOf(gl) != null
                        && relationOf(pl) != null
                        && relationsEqual(relationOf(gl), relationOf(pl));
            }
            if (p instanceof Answer.Relation pr) {
                Answer chainValue = constantChainValue(pr);
                if (chainValue != null && pr.sides().get(0).equals(gl.labelNode())) {
                    return equal(gl.value(), chainValue); // "x = 2 + 2 = 4" for "x = 4"
                }
                Answer.Relation gr = relationOf(gl);
                if (gr != null) {
                    return relationsEqual(gr, pr);
                }
                // x \in [-2, 7] against -2 <= x <= 7
                List<Answer.Piece> gi = intervalOf(gl.value());
                List<Answer.Piece> pi = intervalOf(pr);
                return gi != null && pi != null && intervalsEqual(gi, pi);
            }
            return equal(gl.value(), p);
        }
        if (p instanceof Answer.Labeled pl) {
            if (g instanceof Answer.Relation gr) {
                Answer.Relation pr = relationOf(pl);
                if (pr != null) {
                    return relationsEqual(gr, pr);
                }
                List<Answer.Piece> gi = intervalOf(gr);
                List<Answer.Piece> pi = intervalOf(pl.value());
                return gi != null && pi != null && intervalsEqual(gi, pi);
            }
            return equal(g, pl.value());
        }
        // "5/2 = 2.5", "x = 5 + 6 = 11": a true chain of equalities is the value it ends with.
        Answer pv = constantChainValue(p);
        if (pv != null) {
            return equal(g, pv);
        }
        // "7:32" read as a clock time, against a ratio gold
        if (g instanceof Answer.Scalar
                && p instanceof Answer.Text pt
                && RATIO_TEXT.matcher(pt.text()).matches()) {
            String[] ab = pt.text().split(":");
            Node ratio = new Node.Bin(
                    '/',
                    Node.Num.exact(Rational.of(Long.parseLong(ab[0]))),
                    Node.Num.exact(Rational.of(Long.parseLong(ab[1]))));
            return equal(g, new Answer.Scalar(ratio, false));
        }
        // Named values ("a = 6, b = 9") or several boxes against a tuple: in order. A bare "-2, 1" is
        // two values, not the pair or interval (-2, 1).
        if (g instanceof Answer.Tuple gt && p instanceof Answer.SetOf ps && standsForTuple(ps, gt)) {
            return inOrder(gt.items(), ps.items());
        }
        if (p instanceof Answer.Tuple pt && g instanceof Answer.SetOf gs && standsForTuple(gs, pt)) {
            return inOrder(gs.items(), pt.items());
        }
        // "AB = 4, CD = 5": each value under its name, or the bare values in the gold's order.
        if (g instanceof Answer.SetOf gs && gs.bare() && p instanceof Answer.SetOf ps && distinctLabels(gs.items())) {
            return labelledListEqual(gs.items(), ps.items());
        }
        // Duplicates collapse: "15 39/40, or 639/40" is the single value 639/40.
        if (p instanceof Answer.SetOf ps
                && !(g instanceof Answer.SetOf)
                && !ps.items().isEmpty()) {
            return allEqual(g, ps.items(), true);
        }
        if (g instanceof Answer.SetOf gs
                && !(p instanceof Answer.SetOf)
                && !gs.items().isEmpty()) {
            return allEqual(p, gs.items(), false);
        }
        if (g instanceof Answer.Scalar gs) {
            return p instanceof Answer.Scalar ps && scalarsEqual(gs, ps);
        }
        if (g instanceof Answer.SetOf gset) {
            return p instanceof Answer.SetOf pset && setsEqual(gset.items(), pset.items());
        }
        if (g instanceof Answer.Tuple gt) {
            if (p instanceof Answer.Tuple pt) {
                return tuplesEqual(gt, pt);
            }
            if (p instanceof Answer.Interval || p instanceof Answer.Relation) {
                Answer.Piece piece = AnswerParser.asPiece(gt);
                List<Answer.Piece> pp = intervalOf(p);
                return piece != null && pp != null && intervalsEqual(List.of(piece), pp);
            }
            if (p instanceof Answer.Matrix pm) {
                return vectorEqualsTuple(pm, gt);
            }
            return false;
        }
        if (g instanceof Answer.Interval gi) {
            List<Answer.Piece> pp = intervalOf(p);
            return pp != null && intervalsEqual(gi.pieces(), pp);
        }
        if (g instanceof Answer.Relation gr) {
            if (p instanceof Answer.Relation pr) {
                return relationsEqual(gr, pr);
            }
            List<Answer.Piece> gp = intervalOf(g);
            List<Answer.Piece> pp = intervalOf(p);
            return gp != null && pp != null && intervalsEqual(gp, pp);
        }
        if (g instanceof Answer.Matrix gm) {
            if (p instanceof Answer.Matrix pm) {
                return matricesEqual(gm, pm);
            }
            return p instanceof Answer.Tuple pt && vectorEqualsTuple(gm, pt);
        }
        if (g instanceof Answer.Text gt) {
            return p instanceof Answer.Text pt && gt.text().equals(pt.text());
        }
        return false;
    }

    /**
     * The last side of a chain "a = b = c" whose sides are constants and all equal, else null. The first
     * side may be the name of what is computed ("x = 5 + 6 = 11" is 11; "x = 5 + 6 = 12" is no value).
     */
    private Answer constantChainValue(Answer a) {
        if (!(a instanceof Answer.Relation r) || !r.ops().stream().allMatch("="::equals)) {
            return null;
        }
        List<Node> sides = r.sides();
        if (sides.size() > 2 && isName(sides.get(0))) {
            sides = sides.subList(1, sides.size());
        }
        for (Node side : sides) {
            if (!ExpressionEvaluator.variables(side).isEmpty()) {
                return null;
            }
        }
        Node last = sides.get(sides.size() - 1);
        for (Node side : sides) {
            if (!exprEqual(side, last)) {
                return null;
            }
        }
        return new Answer.Scalar(last, false);
    }

    /** A variable, a product of letters (AB) or a function value f(x): what a chain may start by naming. */
    private static boolean isName(Node n) {
        if (n instanceof Node.Var) {
            return true;
        }
        if (n instanceof Node.Bin b && b.op() == '*') {
            return isName(b.a()) && isName(b.b());
        }
        return n instanceof Node.Fn f && f.name().startsWith("apply:");
    }

    private static boolean standsForTuple(Answer.SetOf list, Answer.Tuple tuple) {
        if (list.form() == Answer.Form.BRACES
                || list.items().size() != tuple.items().size()) {
            return false;
        }
        boolean named = list.items().stream().allMatch(a -> a instanceof Answer.Labeled);
        // two boxes against "(a, b)" could as well be two values against an interval
        boolean boxes = list.form() == Answer.Form.BOXES && !(tuple.items().size() == 2 && tuple.open() == '(');
        return named || boxes;
    }

    private boolean inOrder(List<Answer> g, List<Answer> p) {
        if (g.size() != p.size()) {
            return false;
        }
        for (int i = 0; i < g.size(); i++) {
            if (!equal(g.get(i), p.get(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean distinctLabels(List<Answer> items) {
        Set<String> labels = new java.util.HashSet<>();
        for (Answer a : items) {
            if (!(a instanceof Answer.Labeled l) || !labels.add(l.label())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Gold "AB = 4, CD = 5": a prediction naming the same things is compared name by name (in any
     * order); one with bare values is compared in the gold's order ("4, 5", not "5, 4").
     */
    private boolean labelledListEqual(List<Answer> gold, List<Answer> pred) {
        if (gold.size() != pred.size()) {
            return false;
        }
        if (!distinctLabels(pred)) {
            return inOrder(gold, pred);
        }
        Map<String, Answer> byLabel = new HashMap<>();
        for (Answer a : pred) {
            byLabel.put(((Answer.Labeled) a).label(), a);
        }
        for (Answer a : gold) {
            Answer match = byLabel.get(((Answer.Labeled) a).label());
            if (match == null) {
                return inOrder(gold, pred); // other names (a, b for p, q): by position
            }
            if (!equal(a, match)) {
                return false;
            }
        }
        return true;
    }

    /** Gold "(p, q) = (3, 2)" against "p = 3, q = 2" (by name) or "a = 3, b = 2" (by position). */
    private boolean assignmentsEqual(Answer.Labeled gold, Answer.SetOf pred) {
        if (!(gold.value() instanceof Answer.Tuple gt) || gold.label().indexOf(':') >= 0) {
            return equal(gold.value(), pred);
        }
        List<String> names =
                AnswerParser.split(gold.label().substring(1, gold.label().length() - 1), ',');
        if (names.size() != gt.items().size()) {
            names = AnswerParser.split(gold.label().substring(1, gold.label().length() - 1), ';');
        }
        if (names.size() != gt.items().size()) {
            return false;
        }
        List<Answer> named = new ArrayList<>(names.size());
        for (int i = 0; i < names.size(); i++) {
            named.add(new Answer.Labeled(names.get(i), null, gt.items().get(i)));
        }
        return labelledListEqual(named, pred.items());
    }

    private boolean allEqual(Answer single, List<Answer> items, boolean singleIsGold) {
        for (Answer item : items) {
            if (++comparisons > MAX_SET_COMPARISONS) {
                throw EvalError.tooBig("set too large to compare");
            }
            if (!(singleIsGold ? equal(single, item) : equal(item, single))) {
                return false;
            }
        }
        return true;
    }

    private static Answer unwrapSingleton(Answer a) {
        while (a instanceof Answer.SetOf s && s.items().size() == 1) {
            a = s.items().get(0);
        }
        return a;
    }

    private static char choiceOf(Answer p) {
        if (p instanceof Answer.Choice c) {
            return c.letter();
        }
        if (p instanceof Answer.Scalar s
                && s.expr() instanceof Node.Var v
                && v.name().length() == 1) {
            return Character.toUpperCase(v.name().charAt(0));
        }
        return 0;
    }

    private static boolean sameLabel(Answer.Labeled a, Answer.Labeled b) {
        return a.label().equals(b.label());
    }

    /** "y = 2x + 3" as a relation, for comparison with "2x - y + 3 = 0". */
    private static Answer.Relation relationOf(Answer.Labeled l) {
        if (l.labelNode() != null && l.value() instanceof Answer.Scalar s && !s.percent()) {
            return new Answer.Relation(List.of(l.labelNode(), s.expr()), List.of("="));
        }
        return null;
    }

    // ------------------------------------------------------------------ scalars

    private boolean scalarsEqual(Answer.Scalar g, Answer.Scalar p) {
        if (g.expr().equals(p.expr()) && g.percent() == p.percent()) {
            return true;
        }
        if (!g.percent() && !p.percent()) {
            return exprEqual(g.expr(), p.expr());
        }
        // A percent may be written as the bare number or as a fraction: 25% = 25 = 0.25 -- but only
        // when one side wrote the percent sign (0.25 never matches a gold of 25 on its own).
        Node hundred = Node.Num.exact(Rational.HUNDRED);
        List<Node> gs = g.percent() ? List.of(g.expr(), new Node.Bin('/', g.expr(), hundred)) : List.of(g.expr());
        List<Node> ps = p.percent() ? List.of(p.expr(), new Node.Bin('/', p.expr(), hundred)) : List.of(p.expr());
        if (g.percent() && p.percent()) {
            return exprEqual(g.expr(), p.expr());
        }
        for (Node a : gs) {
            for (Node b : ps) {
                if (exprEqual(a, b)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Expression equality: exact/precise evaluation, at sample points when there are variables. */
    boolean exprEqual(Node g, Node p) {
        if (g.equals(p)) {
            return true;
        }
        if (g instanceof Node.BaseNum gb) {
            // "204_5": the same digits in the same base, or the bare digits (the question named the base)
            if (p instanceof Node.BaseNum pb) {
                return gb.base() == pb.base() && stripZeros(gb.digits()).equals(stripZeros(pb.digits()));
            }
            return p instanceof Node.Num pn
                    && pn.halfUnit() == null
                    && pn.value().isInteger()
                    && pn.value().signum() >= 0
                    && stripZeros(gb.digits()).equals(pn.value().num.toString());
        }
        if (p instanceof Node.BaseNum pb) {
            // a prediction in another base than the gold's plain number is compared by its true value
            Rational value = pb.value();
            return value != null && exprEqual(g, Node.Num.exact(value));
        }
        Set<String> vars = ExpressionEvaluator.variables(g, p);
        if (vars.isEmpty()) {
            Val a;
            Val b;
            try {
                a = ExpressionEvaluator.eval(g, deadline);
            } catch (EvalError | ArithmeticException e) {
                return false;
            }
            try {
                b = ExpressionEvaluator.eval(p, deadline);
            } catch (EvalError | ArithmeticException e) {
                return false;
            }
            return Val.same(a, b, approximate);
        }
        boolean ints = ExpressionEvaluator.needsIntegers(g) || ExpressionEvaluator.needsIntegers(p);
        int good = 0;
        for (int point = 0; point < POINTS + 4 && good < POINTS; point++) {
            ExpressionEvaluator ev = new ExpressionEvaluator(env(vars, point, ints), deadline);
            Val a;
            Val b;
            try {
                a = ev.eval(g);
                b = ev.eval(p);
            } catch (EvalError | ArithmeticException e) {
                continue; // outside the domain at this point (e.g. a pole): try another
            }
            if (!Val.same(a, b, approximate)) {
                return false;
            }
            good++;
        }
        return good >= MIN_GOOD_POINTS;
    }

    private static String stripZeros(String digits) {
        String d = digits.replaceFirst("^0+(?=.)", "");
        return d.toUpperCase(java.util.Locale.ROOT);
    }

    private static Map<String, Val> env(Set<String> vars, int point, boolean ints) {
        Map<String, Val> env = new HashMap<>();
        int i = 0;
        for (String v : vars) {
            env.put(v, ExpressionEvaluator.samplePoint(point, i++, ints));
        }
        return env;
    }

    // ------------------------------------------------------------------ collections

    private boolean setsEqual(List<Answer> g, List<Answer> p) {
        // Duplicates do not count ({-2, -2} is {-2}); every element must find an equal partner.
        return covers(g, p) && covers(p, g);
    }

    private boolean covers(List<Answer> from, List<Answer> to) {
        for (Answer a : from) {
            boolean found = false;
            for (Answer b : to) {
                if (++comparisons > MAX_SET_COMPARISONS) {
                    throw EvalError.tooBig("set too large to compare");
                }
                if (equal(a, b)) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    private boolean tuplesEqual(Answer.Tuple g, Answer.Tuple p) {
        if (g.items().size() != p.items().size()) {
            return false;
        }
        if (g.items().size() == 2 && (g.open() != p.open() || g.close() != p.close())) {
            // (1,2) vs [1,2]: as points they would agree, as intervals they do not; refuse.
            return false;
        }
        for (int i = 0; i < g.items().size(); i++) {
            if (!equal(g.items().get(i), p.items().get(i))) {
                return false;
            }
        }
        return true;
    }

    private boolean matricesEqual(Answer.Matrix g, Answer.Matrix p) {
        if (g.rows().size() != p.rows().size()
                || g.rows().get(0).size() != p.rows().get(0).size()) {
            return false;
        }
        for (int r = 0; r < g.rows().size(); r++) {
            for (int c = 0; c < g.rows().get(r).size(); c++) {
                if (!equal(g.rows().get(r).get(c), p.rows().get(r).get(c))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** A column or row vector written as a matrix matches the same entries written as a tuple. */
    private boolean vectorEqualsTuple(Answer.Matrix m, Answer.Tuple t) {
        List<Answer> entries = new ArrayList<>();
        if (m.rows().size() == 1) {
            entries.addAll(m.rows().get(0));
        } else if (m.rows().get(0).size() == 1) {
            for (List<Answer> row : m.rows()) {
                entries.add(row.get(0));
            }
        } else {
            return false;
        }
        if (entries.size() != t.items().size() || entries.size() < 2) {
            return false;
        }
        for (int i = 0; i < entries.size(); i++) {
            if (!equal(entries.get(i), t.items().get(i))) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ intervals and relations

    /** The answer read as a union of intervals, or null. Inequalities in one variable qualify. */
    private List<Answer.Piece> intervalOf(Answer a) {
        a = unwrapSingleton(a);
        if (a instanceof Answer.Interval iv) {
            return iv.pieces();
        }
        if (a instanceof Answer.Tuple t) {
            Answer.Piece p = AnswerParser.asPiece(t);
            return p == null ? null : List.of(p);
        }
        if (a instanceof Answer.Labeled l) {
            return intervalOf(l.value());
        }
        if (a instanceof Answer.Relation r) {
            return inequalityAsInterval(r);
        }
        return null;
    }

    /**
     * "2 <= x < 5" -> [2, 5); "x > 3" -> (3, inf); "k >= 2" -> [2, inf). The bounded side may also be a
     * function value ("0 < f(x) < 1" is the range (0, 1)) or the absolute value of a variable
     * ("1 <= |z| <= 3/2" is [-3/2, -1] u [1, 3/2]).
     */
    private List<Answer.Piece> inequalityAsInterval(Answer.Relation r) {
        List<Node> sides = r.sides();
        List<String> ops = r.ops();
        for (String op : ops) {
            if (op.equals("=") || op.equals("!=")) {
                return null;
            }
        }
        int varIndex = -1;
        for (int i = 0; i < sides.size(); i++) {
            boolean isVar = isBoundedSubject(sides.get(i));
            boolean hasVars = !ExpressionEvaluator.variables(sides.get(i)).isEmpty();
            if (isVar) {
                if (varIndex >= 0) {
                    return null;
                }
                varIndex = i;
            } else if (hasVars) {
                return null;
            }
        }
        if (varIndex < 0) {
            return null;
        }
        Node inf = new Node.Const("inf");
        Node lo = new Node.Neg(inf);
        Node hi = inf;
        boolean loClosed = false;
        boolean hiClosed = false;
        // Constraint between sides[i] op sides[i+1] where one of them is the variable.
        for (int i = 0; i < ops.size(); i++) {
            String op = ops.get(i);
            boolean less = op.startsWith("<");
            boolean closed = op.endsWith("=");
            Node bound;
            boolean boundIsLower;
            if (i == varIndex) { // x op c
                bound = sides.get(i + 1);
                boundIsLower = !less;
            } else if (i + 1 == varIndex) { // c op x
                bound = sides.get(i);
                boundIsLower = less;
            } else {
                return null;
            }
            if (boundIsLower) {
                lo = bound;
                loClosed = closed;
            } else {
                hi = bound;
                hiClosed = closed;
            }
        }
        Answer.Piece piece = new Answer.Piece(lo, loClosed, hi, hiClosed);
        return sides.get(varIndex) instanceof Node.Fn f && f.name().equals("abs") ? bothSigns(piece) : List.of(piece);
    }

    private static boolean isBoundedSubject(Node n) {
        if (n instanceof Node.Var) {
            return true;
        }
        return n instanceof Node.Fn f
                && (f.name().startsWith("apply:")
                        || (f.name().equals("abs") && f.args().get(0) instanceof Node.Var));
    }

    /** The values of v with |v| in the piece: [a, b] with a > 0 gives [-b, -a] u [a, b]; else (-b, b). */
    private List<Answer.Piece> bothSigns(Answer.Piece abs) {
        Node inf = new Node.Const("inf");
        if (AnswerParser.isInfinite(abs.hi()) && abs.hi() instanceof Node.Neg) {
            return null; // |v| < -inf: nothing sensible
        }
        int loSign;
        if (AnswerParser.isInfinite(abs.lo())) {
            loSign = -1;
        } else {
            try {
                Val lo = ExpressionEvaluator.eval(abs.lo(), deadline);
                if (!lo.isReal()) {
                    return null;
                }
                loSign = Val.same(lo, Val.ZERO) ? 0 : lo.approxRe().signum();
            } catch (EvalError | ArithmeticException e) {
                return null;
            }
        }
        Node negHi = AnswerParser.isInfinite(abs.hi()) ? new Node.Neg(inf) : new Node.Neg(abs.hi());
        if (loSign < 0 || (loSign == 0 && abs.loClosed())) {
            return List.of(new Answer.Piece(negHi, abs.hiClosed(), abs.hi(), abs.hiClosed()));
        }
        Node negLo = new Node.Neg(abs.lo());
        return List.of(
                new Answer.Piece(negHi, abs.hiClosed(), negLo, abs.loClosed()),
                new Answer.Piece(abs.lo(), abs.loClosed(), abs.hi(), abs.hiClosed()));
    }

    private boolean intervalsEqual(List<Answer.Piece> g, List<Answer.Piece> p) {
        if (g.size() != p.size()) {
            return false;
        }
        List<Answer.Piece> left = new ArrayList<>(p);
        outer:
        for (Answer.Piece a : g) {
            for (int i = 0; i < left.size(); i++) {
                Answer.Piece b = left.get(i);
                if (a.loClosed() == b.loClosed()
                        && a.hiClosed() == b.hiClosed()
                        && endpointEqual(a.lo(), b.lo())
                        && endpointEqual(a.hi(), b.hi())) {
                    left.remove(i);
                    continue outer;
                }
            }
            return false;
        }
        return true;
    }

    private boolean endpointEqual(Node a, Node b) {
        boolean ia = AnswerParser.isInfinite(a);
        boolean ib = AnswerParser.isInfinite(b);
        if (ia || ib) {
            return ia && ib && (a instanceof Node.Neg) == (b instanceof Node.Neg);
        }
        return exprEqual(a, b);
    }

    private boolean relationsEqual(Answer.Relation g, Answer.Relation p) {
        if (g.ops().size() == 1 && p.ops().size() == 1) {
            String go = g.ops().get(0);
            String po = p.ops().get(0);
            Node gd = new Node.Bin('-', g.sides().get(0), g.sides().get(1));
            Node pd = new Node.Bin('-', p.sides().get(0), p.sides().get(1));
            if ((go.equals("=") && po.equals("=")) || (go.equals("!=") && po.equals("!="))) {
                return proportional(gd, pd, 0);
            }
            if (isOrder(go) && isOrder(po)) {
                boolean strictG = !go.endsWith("=");
                boolean strictP = !po.endsWith("=");
                if (strictG != strictP) {
                    return false;
                }
                // a < b  <=>  b - a > 0: same direction means a positive ratio of the differences.
                boolean flip = go.charAt(0) != po.charAt(0);
                List<Answer.Piece> gi = inequalityAsInterval(g);
                List<Answer.Piece> pi = inequalityAsInterval(p);
                if (gi != null && pi != null) {
                    return intervalsEqual(gi, pi);
                }
                return proportional(gd, pd, flip ? -1 : 1);
            }
            return false;
        }
        List<Answer.Piece> gi = inequalityAsInterval(g);
        List<Answer.Piece> pi = inequalityAsInterval(p);
        if (gi != null && pi != null) {
            return intervalsEqual(gi, pi);
        }
        if (g.ops().equals(p.ops()) && g.sides().size() == p.sides().size()) {
            for (int i = 0; i < g.sides().size(); i++) {
                if (!exprEqual(g.sides().get(i), p.sides().get(i))) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    private static boolean isOrder(String op) {
        return op.startsWith("<") || op.startsWith(">");
    }

    /**
     * g = c * p for a constant c != 0 (sign > 0 requires c > 0, sign < 0 requires c < 0), checked at
     * sample points: the same equation or inequality written differently.
     */
    private boolean proportional(Node g, Node p, int sign) {
        Set<String> vars = ExpressionEvaluator.variables(g, p);
        boolean ints = ExpressionEvaluator.needsIntegers(g) || ExpressionEvaluator.needsIntegers(p);
        Val ratio = null;
        int good = 0;
        for (int point = 0; point < POINTS + 4 && good < POINTS; point++) {
            ExpressionEvaluator ev = new ExpressionEvaluator(env(vars, point, ints), deadline);
            Val a;
            Val b;
            try {
                a = ev.eval(g);
                b = ev.eval(p);
            } catch (EvalError | ArithmeticException e) {
                continue;
            }
            boolean az = Val.same(a, Val.ZERO);
            boolean bz = Val.same(b, Val.ZERO);
            if (az != bz) {
                return false;
            }
            if (az) {
                good++;
                continue;
            }
            Val r;
            try {
                r = a.divide(b);
            } catch (EvalError | ArithmeticException e) {
                return false;
            }
            if (ratio == null) {
                ratio = r;
                if (sign != 0 && (!r.isReal() || r.approxRe().signum() != sign)) {
                    return false;
                }
            } else if (!Val.same(ratio, r, approximate)) {
                return false;
            }
            good++;
            if (vars.isEmpty()) {
                break;
            }
        }
        return ratio != null && (good >= MIN_GOOD_POINTS || vars.isEmpty());
    }
}
