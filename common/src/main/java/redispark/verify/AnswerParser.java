package redispark.verify;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a whole answer into its {@link Answer} type: splits comma lists, recognises sets, tuples,
 * intervals and unions, relations and labels, matrices, text and choice letters, and hands single
 * expressions to {@link LatexParser}. The same code reads golds and predictions.
 */
final class AnswerParser {

    private static final int MAX_ITEMS = 200;
    private static final int MAX_PM_EXPANSION = 16;

    private static final Pattern MATRIX = Pattern.compile(
            "^\\\\begin\\{([pbvBV]?matrix|smallmatrix|array)\\}(?:\\{[^{}]*\\})?(.*)\\\\end\\{\\1\\}$", Pattern.DOTALL);
    private static final Pattern TEXT_WHOLE = Pattern.compile("^\\\\text\\{([^{}]*)\\}$");
    private static final Pattern CHOICE = Pattern.compile("^\\(?\\s*([A-E])\\s*\\)?$");
    private static final Pattern WORDS = Pattern.compile("^[A-Za-z][A-Za-z'\\- ]*$");
    /**
     * One name an answer may be given under (spaces removed): x, f(x), a_1, x', f^{-1}, \\alpha; a segment,
     * angle or area of capital letters (AB, ABC, S_{MBCN}), also as |AB|, \\overline{AB}, \\angle ABC.
     */
    private static final String NAME_ATOM = "(?:[A-Za-z]|[A-Z]{2,4}|\\\\[a-zA-Z]+)(?:_\\{[^{}]*\\}|_[A-Za-z0-9])?'*"
            + "(?:\\^\\{?\\\\prime\\}?|\\^\\{?-1\\}?)?(?:\\([^()]*\\))?";

    private static final String NAME = "(?:(?:m?\\\\(?:angle|measuredangle|triangle))?" + NAME_ATOM + "|\\|" + NAME_ATOM
            + "\\||\\\\(?:overline|widehat|vec|overrightarrow)\\{" + NAME_ATOM + "\\})";
    private static final Pattern LABEL = Pattern.compile("^" + NAME + "$");
    /** "S_{MBCN}:S": a ratio of names; its value is a ratio too. */
    private static final Pattern RATIO_LABEL = Pattern.compile("^" + NAME + "(?::" + NAME + ")+$");
    /** "(p,q)": a tuple of names; its value is the tuple of their values. */
    private static final Pattern TUPLE_LABEL = Pattern.compile("^\\(" + NAME + "(?:[,;]" + NAME + ")+\\)$");

    private static final Pattern CLOCK_TIME = Pattern.compile("(?i)^(\\d{1,2}):(\\d{2})\\s*(?:([ap])\\.?\\s*m\\.?)?$");
    private static final Pattern SET_BUILDER = Pattern.compile("^\\\\\\{\\s*([A-Za-z])\\s*(?:\\||\\\\mid)(.*)\\\\\\}$");

    /** Words meaning the empty solution set. */
    private static final java.util.Set<String> NO_SOLUTION = java.util.Set.of(
            "nosolution",
            "nosolutions",
            "norealsolution",
            "norealsolutions",
            "none",
            "emptyset",
            "thereisnosolution",
            "nosuchnumber");

    private final Deadline deadline;

    private AnswerParser(Deadline deadline) {
        this.deadline = deadline;
    }

    /** Normalises and parses; throws {@link ParseError} when the text is not a readable answer. */
    static Answer parse(String raw, Deadline deadline) {
        return parseNormalized(Normalizer.normalize(raw), deadline);
    }

    /** Parses text that has already been through {@link Normalizer#normalize}. */
    static Answer parseNormalized(String s, Deadline deadline) {
        if (s.isEmpty()) {
            throw new ParseError("empty answer");
        }
        return new AnswerParser(deadline).top(s);
    }

    private Answer top(String s) {
        List<String> parts = split(s, ',');
        if (parts.size() == 1) {
            parts = split(s, ';');
        }
        if (parts.size() > 1) {
            if (parts.size() > MAX_ITEMS) {
                throw new ParseError("too many items");
            }
            List<Answer> items = new ArrayList<>(parts.size());
            for (String p : parts) {
                if (p.isBlank()) {
                    continue;
                }
                addFlattened(items, item(p.strip()));
            }
            if (items.isEmpty()) {
                throw new ParseError("empty list");
            }
            return items.size() == 1 ? items.get(0) : new Answer.SetOf(List.copyOf(items), Answer.Form.LIST);
        }
        return item(s);
    }

    private static void addFlattened(List<Answer> items, Answer a) {
        // "1 \pm \sqrt 2, 3" is the set {1+sqrt2, 1-sqrt2, 3}
        if (a instanceof Answer.SetOf set && !set.items().isEmpty()) {
            items.addAll(set.items());
        } else {
            items.add(a);
        }
    }

    /** The elements of a set written in braces. */
    private Answer setOf(String inner) {
        if (inner.isBlank()) {
            return Answer.SetOf.braced(List.of());
        }
        List<String> parts = split(inner, ',');
        if (parts.size() > MAX_ITEMS) {
            throw new ParseError("set too long");
        }
        List<Answer> items = new ArrayList<>();
        for (String p : parts) {
            addFlattened(items, item(p));
        }
        return Answer.SetOf.braced(List.copyOf(items));
    }

    Answer item(String s) {
        deadline.check();
        s = s.strip();
        if (s.isEmpty()) {
            throw new ParseError("empty item");
        }
        boolean percent = false;
        if (s.endsWith("%")) {
            percent = true;
            s = s.substring(0, s.length() - 1).strip();
            if (s.isEmpty()) {
                throw new ParseError("lone percent sign");
            }
        }
        if (s.equals("\\emptyset")) {
            return Answer.SetOf.braced(List.of());
        }
        if ((s.startsWith("[\\begin{") && s.endsWith("}]")) || (s.startsWith("(\\begin{") && s.endsWith("})"))) {
            s = s.substring(1, s.length() - 1).strip(); // \left[\begin{array}...\end{array}\right]
        }
        if (s.startsWith("\\begin")) {
            Matcher mm = MATRIX.matcher(s);
            if (mm.matches()) {
                return matrix(mm.group(2));
            }
        }
        Answer text = textOrChoice(s);
        if (text != null) {
            return text;
        }
        Matcher clock = CLOCK_TIME.matcher(s);
        if (clock.matches()) {
            // "3:30 p.m." is a time of day: compared as text, am/pm included
            String suffix = clock.group(3) == null ? "" : clock.group(3).toLowerCase(Locale.ROOT) + "m";
            return new Answer.Text(Integer.parseInt(clock.group(1)) + ":" + clock.group(2) + suffix);
        }
        if (s.indexOf(':') > 0) {
            Answer.Scalar r = ratio(s); // "3:4" (a clock time such as "7:30" was read above)
            if (r != null) {
                return r;
            }
        }
        Matcher builder = SET_BUILDER.matcher(s);
        if (builder.matches()) {
            // {x | -2 <= x < 1}: the condition, which compares like the interval it describes
            Answer condition = item(builder.group(2));
            if (condition instanceof Answer.Relation) {
                return condition;
            }
            throw new ParseError("set-builder condition is not an inequality");
        }
        Answer rel = relation(s);
        if (rel != null) {
            return rel;
        }
        List<String> unionParts = splitCommand(s, "cup");
        if (unionParts.size() > 1) {
            return union(unionParts);
        }
        if (s.startsWith("\\{") && s.endsWith("\\}") && closingOf(s, 1) == s.length() - 1) {
            String inner = s.substring(2, s.length() - 2).strip();
            return setOf(s.substring(2, s.length() - 2));
        }
        // {1, 2, 3} in plain braces: a set when it holds a list (a lone {x} is only a group)
        if (s.charAt(0) == '{'
                && closingOf(s, 0) == s.length() - 1
                && split(s.substring(1, s.length() - 1), ',').size() > 1) {
            return setOf(s.substring(1, s.length() - 1));
        }
        Answer bracketed = bracketed(s);
        if (bracketed != null) {
            return bracketed;
        }
        Node n = LatexParser.parse(s, deadline);
        List<Node> expanded = expandPm(n);
        if (expanded.size() == 1) {
            return new Answer.Scalar(n, percent);
        }
        List<Answer> items = new ArrayList<>(expanded.size());
        for (Node e : expanded) {
            items.add(new Answer.Scalar(e, percent));
        }
        return Answer.SetOf.braced(List.copyOf(items));
    }

    private static Answer textOrChoice(String s) {
        if (s.length() <= 5) {
            Matcher c = CHOICE.matcher(s);
            if (c.matches()) {
                return new Answer.Choice(c.group(1).charAt(0));
            }
        }
        boolean wrapped = s.startsWith("\\text{");
        if (!wrapped && !Character.isLetter(s.charAt(0))) {
            return null;
        }
        Matcher t = TEXT_WHOLE.matcher(s);
        boolean whole = wrapped && t.matches();
        String inner = whole ? t.group(1).strip() : s;
        if (whole) {
            Matcher c;
            c = CHOICE.matcher(inner);
            if (c.matches()) {
                return new Answer.Choice(c.group(1).charAt(0));
            }
        }
        if (WORDS.matcher(inner).matches() && (whole || isWordy(inner))) {
            String text = inner.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
            if (NO_SOLUTION.contains(text)) {
                return Answer.SetOf.braced(List.of());
            }
            return new Answer.Text(text);
        }
        return null;
    }

    /** True for real words ("even", "No solution"), false for products of letters such as "ab". */
    private static boolean isWordy(String s) {
        for (String w : s.split("[ '\\-]+")) {
            if (w.length() >= 3 && !LatexVocabulary.isPlainName(w)) {
                return true;
            }
        }
        return false;
    }

    private Answer matrix(String body) {
        List<List<Answer>> rows = new ArrayList<>();
        for (String row : body.split("\\\\\\\\")) {
            if (row.isBlank()) {
                continue;
            }
            List<Answer> cells = new ArrayList<>();
            for (String cell : row.split("&")) {
                cells.add(item(cell));
            }
            if (!rows.isEmpty() && rows.get(0).size() != cells.size()) {
                throw new ParseError("ragged matrix");
            }
            rows.add(List.copyOf(cells));
        }
        if (rows.isEmpty()) {
            throw new ParseError("empty matrix");
        }
        return new Answer.Matrix(List.copyOf(rows));
    }

    private Answer union(List<String> parts) {
        List<Answer.Piece> pieces = new ArrayList<>();
        for (String p : parts) {
            Answer a = item(p);
            if (a instanceof Answer.Interval iv) {
                pieces.addAll(iv.pieces());
            } else if (a instanceof Answer.Tuple t && asPiece(t) != null) {
                pieces.add(asPiece(t));
            } else if (a instanceof Answer.SetOf set) {
                for (Answer e : set.items()) {
                    if (!(e instanceof Answer.Scalar sc)) {
                        throw new ParseError("union of non-numbers");
                    }
                    pieces.add(new Answer.Piece(sc.expr(), true, sc.expr(), true));
                }
            } else {
                throw new ParseError("union of non-intervals");
            }
        }
        return new Answer.Interval(List.copyOf(pieces));
    }

    /** A two-element tuple written with () or [] read as an interval piece (null otherwise). */
    static Answer.Piece asPiece(Answer.Tuple t) {
        if (t.items().size() != 2
                || !(t.items().get(0) instanceof Answer.Scalar a)
                || !(t.items().get(1) instanceof Answer.Scalar b)
                || a.percent()
                || b.percent()) {
            return null;
        }
        return new Answer.Piece(a.expr(), t.open() == '[', b.expr(), t.close() == ']');
    }

    /** (a, b), [a, b), (x, y, z): tuple or interval. Null if s is not one bracketed list. */
    private Answer bracketed(String s) {
        char open = s.charAt(0);
        char close = s.charAt(s.length() - 1);
        if ((open != '(' && open != '[') || (close != ')' && close != ']')) {
            return null;
        }
        if (closingOf(s, 0) != s.length() - 1) {
            return null;
        }
        String inner = s.substring(1, s.length() - 1);
        List<String> parts = split(inner, ',');
        if (parts.size() < 2) {
            parts = split(inner, ';'); // (0; -2; 0): the semicolon as separator (decimal-comma locales)
        }
        if (parts.size() < 2) {
            return null;
        }
        if (parts.size() > MAX_ITEMS) {
            throw new ParseError("tuple too long");
        }
        List<Answer> items = new ArrayList<>(parts.size());
        for (String p : parts) {
            items.add(item(p));
        }
        Answer.Tuple t = new Answer.Tuple(List.copyOf(items), open, close);
        if (parts.size() == 2 && (open == '(') != (close == ')') && asPiece(t) != null) {
            return new Answer.Interval(List.of(asPiece(t)));
        }
        if (parts.size() == 2
                && asPiece(t) != null
                && (isInfinite(asPiece(t).lo()) || isInfinite(asPiece(t).hi()))) {
            return new Answer.Interval(List.of(asPiece(t)));
        }
        return t;
    }

    static boolean isInfinite(Node n) {
        if (n instanceof Node.Neg neg) {
            n = neg.a();
        }
        return n instanceof Node.Const c && c.name().equals("inf");
    }

    // ------------------------------------------------------------------ relations

    private record Op(int start, int end, String op) {}

    private Answer relation(String s) {
        List<Op> ops = relationOps(s);
        if (ops.isEmpty()) {
            return null;
        }
        List<String> sideText = new ArrayList<>();
        List<String> opNames = new ArrayList<>();
        int prev = 0;
        for (Op op : ops) {
            sideText.add(s.substring(prev, op.start()).strip());
            opNames.add(op.op());
            prev = op.end();
        }
        sideText.add(s.substring(prev).strip());
        for (String side : sideText) {
            if (side.isEmpty()) {
                throw new ParseError("empty side of a relation");
            }
        }
        if (opNames.size() == 1
                && (opNames.get(0).equals("in") || opNames.get(0).equals("="))) {
            String label = sideText.get(0).replace(" ", "");
            if (TUPLE_LABEL.matcher(label).matches()
                    || RATIO_LABEL.matcher(label).matches()) {
                Answer value = label.indexOf(':') >= 0 ? ratioOrItem(sideText.get(1)) : top(sideText.get(1));
                return new Answer.Labeled(label, null, value);
            }
            if (opNames.get(0).equals("in") || LABEL.matcher(label).matches()) {
                return new Answer.Labeled(label, nameNode(sideText.get(0)), top(sideText.get(1)));
            }
        }
        if (opNames.contains("in")) {
            throw new ParseError("\\in inside a chain");
        }
        List<Node> sides = new ArrayList<>(sideText.size());
        for (String side : sideText) {
            sides.add(LatexParser.parse(side, deadline));
        }
        return new Answer.Relation(List.copyOf(sides), List.copyOf(opNames));
    }

    /** The name as an expression (AB is the product A B, |AB| its absolute value), or null if none. */
    private Node nameNode(String name) {
        try {
            return LatexParser.parse(name, deadline);
        } catch (ParseError e) {
            return null; // \angle ABC: a name, but no expression
        }
    }

    /** "7:32" as the ratio 7/32 (null when the text is not two expressions joined by a colon). */
    private Answer.Scalar ratio(String s) {
        List<String> parts = split(s, ':');
        if (parts.size() != 2 || parts.get(0).isBlank() || parts.get(1).isBlank()) {
            return null;
        }
        try {
            Node a = LatexParser.parse(parts.get(0).strip(), deadline);
            Node b = LatexParser.parse(parts.get(1).strip(), deadline);
            return new Answer.Scalar(new Node.Bin('/', a, b), false);
        } catch (ParseError e) {
            return null;
        }
    }

    private Answer ratioOrItem(String s) {
        Answer.Scalar r = ratio(s);
        return r != null ? r : item(s);
    }

    private static List<Op> relationOps(String s) {
        List<Op> ops = new ArrayList<>(2);
        int depth = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '(', '[', '{' -> depth++;
                case ')', ']', '}' -> depth--;
                case '=' -> {
                    if (depth == 0) {
                        ops.add(new Op(i, i + 1, "="));
                    }
                }
                case '<', '>' -> {
                    if (depth == 0) {
                        ops.add(new Op(i, i + 1, String.valueOf(c)));
                    }
                }
                case '\\' -> {
                    int j = i + 1;
                    while (j < s.length() && Character.isLetter(s.charAt(j))) {
                        j++;
                    }
                    if (j == i + 1) {
                        i++; // escaped char such as \{ : skip it, it is not a bracket for depth
                        if (i < s.length() && (s.charAt(i) == '{')) {
                            depth++;
                        } else if (i < s.length() && (s.charAt(i) == '}')) {
                            depth--;
                        }
                        continue;
                    }
                    String name = s.substring(i + 1, j);
                    if (depth == 0) {
                        switch (name) {
                            case "le" -> ops.add(new Op(i, j, "<="));
                            case "ge" -> ops.add(new Op(i, j, ">="));
                            case "ne" -> ops.add(new Op(i, j, "!="));
                            case "in" -> ops.add(new Op(i, j, "in"));
                            case "approx", "equiv" -> ops.add(new Op(i, j, "="));
                            default -> {}
                        }
                    }
                    i = j - 1;
                }
                default -> {}
            }
        }
        return ops;
    }

    // ------------------------------------------------------------------ splitting

    /** Splits at top-level separators (outside any bracket pair, intervals' mixed pairs included). */
    static List<String> split(String s, char sep) {
        List<String> out = new ArrayList<>(4);
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && !Character.isLetter(s.charAt(i + 1))) {
                char n = s.charAt(i + 1);
                if (n == '{') {
                    depth++;
                } else if (n == '}') {
                    depth--;
                }
                i++;
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (c == sep && depth == 0) {
                out.add(s.substring(start, i));
                start = i + 1;
            }
        }
        out.add(s.substring(start));
        return out;
    }

    /** Splits at a top-level command such as \cup. */
    private static List<String> splitCommand(String s, String cmd) {
        String token = "\\" + cmd;
        if (!s.contains(token)) {
            return List.of(s);
        }
        List<String> out = new ArrayList<>(3);
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                if (s.startsWith(token, i)
                        && depth == 0
                        && (i + token.length() >= s.length() || !Character.isLetter(s.charAt(i + token.length())))) {
                    out.add(s.substring(start, i));
                    start = i + token.length();
                    i = start - 1;
                    continue;
                }
                if (i + 1 < s.length() && (s.charAt(i + 1) == '{' || s.charAt(i + 1) == '}')) {
                    depth += s.charAt(i + 1) == '{' ? 1 : -1;
                    i++;
                }
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            }
        }
        out.add(s.substring(start));
        return out;
    }

    /** Index of the bracket closing the one at {@code open} (any kind closes any kind), or -1. */
    private static int closingOf(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && !Character.isLetter(s.charAt(i + 1))) {
                char n = s.charAt(i + 1);
                if (n == '{') {
                    depth++;
                } else if (n == '}' && --depth == 0) {
                    return i + 1;
                }
                i++;
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if ((c == ')' || c == ']' || c == '}') && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    // ------------------------------------------------------------------ +-

    /** All sign choices of the \pm in an expression (at most {@link #MAX_PM_EXPANSION}). */
    static List<Node> expandPm(Node n) {
        if (!containsPm(n)) {
            return List.of(n);
        }
        List<Node> out = expand(n);
        if (out.size() > MAX_PM_EXPANSION) {
            throw new ParseError("too many \\pm");
        }
        return out;
    }

    private static boolean containsPm(Node n) {
        if (n instanceof Node.Pm) {
            return true;
        }
        if (n instanceof Node.Neg g) {
            return containsPm(g.a());
        }
        if (n instanceof Node.Bin b) {
            return containsPm(b.a()) || containsPm(b.b());
        }
        if (n instanceof Node.Fn f) {
            for (Node a : f.args()) {
                if (containsPm(a)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static List<Node> expand(Node n) {
        if (n instanceof Node.Pm p) {
            List<Node> bs = expand(p.b());
            List<Node> as = p.a() == null ? null : expand(p.a());
            List<Node> out = new ArrayList<>();
            for (int sign = 0; sign < 2; sign++) {
                boolean plus = (sign == 0) != p.minusFirst();
                for (Node b : bs) {
                    if (as == null) {
                        out.add(plus ? b : new Node.Neg(b));
                    } else {
                        for (Node a : as) {
                            out.add(new Node.Bin(plus ? '+' : '-', a, b));
                        }
                    }
                }
            }
            return cap(out);
        }
        if (n instanceof Node.Neg g) {
            List<Node> out = new ArrayList<>();
            for (Node a : expand(g.a())) {
                out.add(new Node.Neg(a));
            }
            return out;
        }
        if (n instanceof Node.Bin b) {
            List<Node> out = new ArrayList<>();
            for (Node a : expand(b.a())) {
                for (Node c : expand(b.b())) {
                    out.add(new Node.Bin(b.op(), a, c));
                }
            }
            return cap(out);
        }
        if (n instanceof Node.Fn f) {
            List<List<Node>> combos = new ArrayList<>();
            combos.add(new ArrayList<>());
            for (Node arg : f.args()) {
                List<List<Node>> next = new ArrayList<>();
                for (List<Node> prefix : combos) {
                    for (Node e : expand(arg)) {
                        List<Node> l = new ArrayList<>(prefix);
                        l.add(e);
                        next.add(l);
                    }
                }
                combos = cap(next);
            }
            List<Node> out = new ArrayList<>();
            for (List<Node> args : combos) {
                out.add(new Node.Fn(f.name(), List.copyOf(args)));
            }
            return out;
        }
        return List.of(n);
    }

    private static <T> List<T> cap(List<T> l) {
        if (l.size() > MAX_PM_EXPANSION) {
            throw new ParseError("too many \\pm");
        }
        return l;
    }
}
