package redispark.verify;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Hand-written recursive-descent parser for one mathematical expression, written either as LaTeX
 * ({@code \frac{1}{2}}, {@code 2\sqrt{5}}, {@code \sin^2 x}) or as plain text ({@code pi/4},
 * {@code sqrt(2)}, {@code 2**10}). Relations, lists, tuples and sets are split off beforehand by
 * {@link AnswerParser}; this class sees a single expression that has been through {@link Normalizer}.
 * Recursion depth is bounded and the deadline is checked, so hostile input cannot hang or overflow.
 */
final class LatexParser {

    private static final int MAX_DEPTH = 60;

    /** Plain-text names recognised when followed by a non-letter (longest first). */
    private static final String[] PLAIN_NAMES = {"infinity", "arcsin", "arccos", "arctan", "sqrt", "sinh",
        "cosh", "tanh", "asin", "acos", "atan", "floor", "ceil", "binom", "sin", "cos", "tan", "cot", "sec",
        "csc", "log", "exp", "abs", "inf", "ln", "pi"};

    private static final Set<String> FUNCTIONS = Set.of("sin", "cos", "tan", "cot", "sec", "csc", "arcsin",
            "arccos", "arctan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "ln", "log", "lg", "exp", "abs",
            "floor", "ceil", "sqrt", "binom", "max", "min", "gcd", "lcm", "arccot", "coth", "sgn", "det");

    private static final Map<String, String> INVERSE = Map.of("sin", "arcsin", "cos", "arccos", "tan", "arctan");

    /** Commands that end an expression or act as operators: never the start of an implicit factor. */
    private static final Set<String> NOT_ATOMS = Set.of("cdot", "times", "div", "ast", "pm", "mp", "le", "ge",
            "ne", "lt", "gt", "leq", "geq", "neq", "in", "cup", "cap", "to", "right", "end", "rfloor", "rceil",
            "approx", "equiv", "sim", "implies", "rightarrow", "Rightarrow", "quad", "qquad", "setminus", "mid",
            "notin", "subset", "subseteq", "land", "lor", "wedge", "vee", "iff", "over", "choose", "}", "{",
            "\\", "%", "circ", "prime");

    /** Decorations that turn their argument into a distinct symbol. */
    private static final Set<String> DECORATIONS = Set.of("dot", "ddot", "hat", "bar", "overline", "vec",
            "tilde", "widehat", "widetilde", "mathbb", "mathcal", "mathfrak", "boldsymbol", "bm", "check",
            "underline", "overrightarrow", "mathscr");

    private final String s;
    private final Deadline deadline;
    private int pos;
    private int depth;
    private int absDepth;
    private int steps;

    private LatexParser(String s, Deadline deadline) {
        this.s = s;
        this.deadline = deadline;
    }

    static Node parse(String text, Deadline deadline) {
        LatexParser p = new LatexParser(text, deadline);
        p.skipWs();
        if (p.pos >= text.length()) {
            throw new ParseError("empty expression");
        }
        Node n = p.parseSum();
        p.skipWs();
        if (p.pos != text.length()) {
            throw new ParseError("unexpected '" + text.charAt(p.pos) + "' at " + p.pos);
        }
        return n;
    }

    // ------------------------------------------------------------------ helpers

    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw new ParseError("expression nested too deeply");
        }
        if ((++steps & 15) == 0) {
            deadline.check();
        }
    }

    private void leave() {
        depth--;
    }

    private void skipWs() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
    }

    private char peek() {
        return pos < s.length() ? s.charAt(pos) : '\0';
    }

    private char peekAt(int i) {
        return i < s.length() ? s.charAt(i) : '\0';
    }

    /** Name of the command at pos (without backslash), or null if pos is not at a backslash. */
    private String commandAt(int at) {
        if (peekAt(at) != '\\') {
            return null;
        }
        int i = at + 1;
        if (i >= s.length()) {
            return "";
        }
        if (!Character.isLetter(s.charAt(i))) {
            return String.valueOf(s.charAt(i));
        }
        int j = i;
        while (j < s.length() && Character.isLetter(s.charAt(j))) {
            j++;
        }
        return s.substring(i, j);
    }

    private boolean atCommand(String name) {
        String c = commandAt(pos);
        return name.equals(c);
    }

    private void consumeCommand(String name) {
        pos += name.length() + 1;
    }

    private void expect(char c) {
        skipWs();
        if (peek() != c) {
            throw new ParseError("expected '" + c + "' at " + pos);
        }
        pos++;
    }

    /** Raw text of a {...} group starting at pos (pos is left after the closing brace). */
    private String rawGroup() {
        skipWs();
        if (peek() != '{') {
            throw new ParseError("expected '{' at " + pos);
        }
        int d = 0;
        int start = pos + 1;
        for (int i = pos; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++;
                continue;
            }
            if (c == '{') {
                d++;
            } else if (c == '}' && --d == 0) {
                pos = i + 1;
                return s.substring(start, i);
            }
        }
        throw new ParseError("unbalanced braces");
    }

    // ------------------------------------------------------------------ grammar

    private Node parseSum() {
        enter();
        skipWs();
        Node left;
        if (peek() == '-') {
            pos++;
            left = new Node.Neg(parseTerm());
        } else if (peek() == '+') {
            pos++;
            left = parseTerm();
        } else if (atCommand("pm") || atCommand("mp")) {
            boolean mp = atCommand("mp");
            consumeCommand(mp ? "mp" : "pm");
            left = new Node.Pm(null, parseTerm(), mp);
        } else {
            left = parseTerm();
        }
        while (true) {
            skipWs();
            char c = peek();
            if (c == '+') {
                pos++;
                left = new Node.Bin('+', left, parseTerm());
            } else if (c == '-') {
                pos++;
                left = new Node.Bin('-', left, parseTerm());
            } else if (atCommand("pm") || atCommand("mp")) {
                boolean mp = atCommand("mp");
                consumeCommand(mp ? "mp" : "pm");
                left = new Node.Pm(left, parseTerm(), mp);
            } else {
                break;
            }
        }
        leave();
        return left;
    }

    private Node parseTerm() {
        Node left = parseFactor();
        boolean single = true;
        while (true) {
            skipWs();
            char c = peek();
            if (c == '*' && peekAt(pos + 1) != '*') {
                pos++;
                left = new Node.Bin('*', left, parseFactor());
            } else if (atCommand("cdot") || atCommand("times") || atCommand("ast")) {
                consumeCommand(commandAt(pos));
                left = new Node.Bin('*', left, parseFactor());
            } else if (c == '/') {
                pos++;
                left = new Node.Bin('/', left, parseFactor());
            } else if (atCommand("div")) {
                consumeCommand("div");
                left = new Node.Bin('/', left, parseFactor());
            } else if (startsImplicitFactor()) {
                Node right = parsePower();
                if (single && isMixedNumber(left, right)) {
                    left = new Node.Bin('+', left, right);
                } else {
                    left = new Node.Bin('*', left, right);
                }
            } else {
                break;
            }
            single = false;
        }
        return left;
    }

    /** 2\frac{1}{2} is two and a half (mixed number), not a product. */
    private static boolean isMixedNumber(Node left, Node right) {
        if (left instanceof Node.Num n && n.halfUnit() == null && n.value().isInteger()
                && right instanceof Node.Bin b && b.op() == '/' && b.a() instanceof Node.Num p
                && b.b() instanceof Node.Num q && p.value().isInteger() && q.value().isInteger()) {
            return p.value().signum() > 0 && p.value().compareTo(q.value()) < 0;
        }
        return false;
    }

    private Node parseFactor() {
        skipWs();
        if (peek() == '-') {
            pos++;
            enter();
            Node n = new Node.Neg(parseFactor());
            leave();
            return n;
        }
        if (peek() == '+') {
            pos++;
            return parseFactor();
        }
        return parsePower();
    }

    private Node parsePower() {
        Node base = parsePostfix();
        skipWs();
        if (peek() == '^' || (peek() == '*' && peekAt(pos + 1) == '*')) {
            pos += peek() == '^' ? 1 : 2;
            skipWs();
            if (isPrimeMark()) {
                return primed(base);
            }
            Node exp = parseExponent();
            Node r = new Node.Bin('^', base, exp);
            return postfixFactorial(r);
        }
        return base;
    }

    /** ^{\prime} or ^\prime: a derivative mark on the preceding symbol. */
    private boolean isPrimeMark() {
        if (atCommand("prime")) {
            consumeCommand("prime");
            return true;
        }
        int save = pos;
        if (peek() == '{') {
            pos++;
            skipWs();
            int primes = 0;
            while (atCommand("prime")) {
                consumeCommand("prime");
                primes++;
                skipWs();
            }
            if (primes > 0 && peek() == '}') {
                pos++;
                return true;
            }
        }
        pos = save;
        return false;
    }

    private static Node primed(Node base) {
        if (base instanceof Node.Var v) {
            return new Node.Var(v.name() + "'");
        }
        throw new ParseError("prime on a non-symbol");
    }

    private Node parseExponent() {
        skipWs();
        char c = peek();
        enter();
        Node r;
        if (c == '{') {
            r = group('{', '}');
        } else if (c == '(') {
            r = group('(', ')');
        } else if (c == '-' || c == '+') {
            pos++;
            Node e = parseExponent();
            r = c == '-' ? new Node.Neg(e) : e;
        } else if (Character.isDigit(c)) {
            r = parseNumber();
        } else if (Character.isLetter(c)) {
            r = letterSymbol();
        } else if (c == '\\') {
            r = parseAtom();
        } else {
            throw new ParseError("bad exponent at " + pos);
        }
        leave();
        return r;
    }

    private Node parsePostfix() {
        Node a = parseAtom();
        return postfixFactorial(a);
    }

    private Node postfixFactorial(Node a) {
        while (true) {
            int save = pos;
            skipWs();
            if (peek() == '!') {
                if (peekAt(pos + 1) == '!') {
                    pos += 2;
                    a = new Node.Fn("dfact", List.of(a));
                } else {
                    pos++;
                    a = new Node.Fn("fact", List.of(a));
                }
            } else if (peek() == '\'' && a instanceof Node.Var) {
                pos++;
                a = primed(a);
            } else {
                pos = save;
                return a;
            }
        }
    }

    private boolean startsImplicitFactor() {
        skipWs();
        char c = peek();
        if (Character.isDigit(c) || Character.isLetter(c) || c == '(' || c == '[' || c == '{') {
            return true;
        }
        if (c == '.' && Character.isDigit(peekAt(pos + 1))) {
            return true;
        }
        if (c == '|') {
            return absDepth == 0;
        }
        if (c == '\\') {
            String cmd = commandAt(pos);
            return !cmd.isEmpty() && !NOT_ATOMS.contains(cmd);
        }
        return false;
    }

    private Node parseAtom() {
        enter();
        skipWs();
        char c = peek();
        Node r;
        if (Character.isDigit(c) || (c == '.' && Character.isDigit(peekAt(pos + 1)))) {
            r = parseNumber();
        } else if (Character.isLetter(c)) {
            r = parseLetters();
        } else if (c == '(') {
            r = group('(', ')');
        } else if (c == '[') {
            r = group('[', ']');
        } else if (c == '{') {
            r = group('{', '}');
        } else if (c == '|') {
            pos++;
            absDepth++;
            Node inner = parseSum();
            expect('|');
            absDepth--;
            r = new Node.Fn("abs", List.of(inner));
        } else if (c == '\\') {
            r = parseCommand();
        } else {
            throw new ParseError(c == '\0' ? "unexpected end" : "unexpected '" + c + "' at " + pos);
        }
        leave();
        return r;
    }

    private Node group(char open, char close) {
        expect(open);
        int savedAbs = absDepth;
        absDepth = 0;
        Node e = parseSum();
        absDepth = savedAbs;
        skipWs();
        if (peek() == ',') {
            throw new ParseError("tuple inside an expression");
        }
        expect(close);
        return e;
    }

    private Node parseNumber() {
        int start = pos;
        while (Character.isDigit(peek())) {
            pos++;
        }
        int intEnd = pos;
        int fracDigits = 0;
        boolean allZero = true;
        if (peek() == '.' && Character.isDigit(peekAt(pos + 1))) {
            pos++;
            while (Character.isDigit(peek())) {
                if (peek() != '0') {
                    allZero = false;
                }
                pos++;
                fracDigits++;
            }
        } else if (peek() == '.' && pos > start && !Character.isLetter(peekAt(pos + 1))) {
            pos++; // "1." as in "-1./3"
        }
        String text = s.substring(start, pos);
        if (text.endsWith(".")) {
            text = text.substring(0, text.length() - 1);
        }
        if (text.length() > 2000) {
            throw new ParseError("number too long");
        }
        int exp10 = 0;
        // Scientific notation 1.04e-3 / 2e27 (but not 3e^{x}, where e is Euler's number).
        if ((peek() == 'e' || peek() == 'E')) {
            int i = pos + 1;
            if (peekAt(i) == '+' || peekAt(i) == '-') {
                i++;
            }
            int digitsStart = i;
            while (Character.isDigit(peekAt(i))) {
                i++;
            }
            if (i > digitsStart && i - digitsStart < 6 && !Character.isLetter(peekAt(i)) && peekAt(i) != '^') {
                exp10 = Integer.parseInt(s.substring(pos + 1, i).replace("+", ""));
                pos = i;
            }
        }
        if (exp10 == 0 && fracDigits == 0 && peek() == '_' && intEnd == pos) {
            Node base = baseSubscript(text);
            if (base != null) {
                return base;
            }
        }
        BigDecimal bd = new BigDecimal(text.startsWith(".") ? "0" + text : text);
        Rational value = Rational.of(bd);
        BigDecimal half = null;
        if (fracDigits > 0 && !allZero) {
            half = BigDecimal.valueOf(5, fracDigits + 1);
        }
        if (exp10 != 0) {
            Rational scale = exp10 > 0 ? Rational.of(java.math.BigInteger.TEN.pow(exp10))
                    : Rational.of(java.math.BigInteger.ONE, java.math.BigInteger.TEN.pow(-exp10));
            value = value.multiply(scale);
            if (half != null) {
                half = half.scaleByPowerOfTen(exp10);
            }
        }
        return new Node.Num(value, half);
    }

    private Node baseSubscript(String digits) {
        int save = pos;
        pos++;
        String sub;
        if (peek() == '{') {
            sub = rawGroup().trim();
        } else {
            int st = pos;
            while (Character.isDigit(peek())) {
                pos++;
            }
            sub = s.substring(st, pos);
        }
        if (sub.matches("\\d{1,2}")) {
            int base = Integer.parseInt(sub);
            if (base >= 2 && base <= 36) {
                return new Node.BaseNum(digits, base);
            }
        }
        pos = save;
        return null;
    }

    private Node parseLetters() {
        for (String name : PLAIN_NAMES) {
            if (s.startsWith(name, pos) && !Character.isLetter(peekAt(pos + name.length()))) {
                pos += name.length();
                switch (name) {
                    case "pi":
                        return new Node.Const("pi");
                    case "inf":
                    case "infinity":
                        return new Node.Const("inf");
                    default:
                        return parseFunction(name);
                }
            }
        }
        return letterSymbol();
    }

    /** A single letter, with optional subscript; e and i are the constants unless subscripted. */
    private Node letterSymbol() {
        char c = s.charAt(pos++);
        String name = String.valueOf(c);
        String sub = subscript();
        if (sub != null) {
            return maybeApplication(name + "_" + sub);
        }
        if (c == 'e') {
            return new Node.Const("e");
        }
        if (c == 'i') {
            return new Node.Const("i");
        }
        return maybeApplication(name);
    }

    private static final java.util.regex.Pattern SIMPLE_ARGUMENT = java.util.regex.Pattern.compile(
            "\\s*(?:[A-Za-z](?:_\\{?\\w+\\}?)?|\\\\[a-zA-Z]+|-?\\d+(?:\\.\\d+)?)\\s*");

    /**
     * u(t), I(0), f(n), \delta(t): a named function applied to one simple argument, kept opaque. A
     * compound argument, as in n(n+1), stays a product.
     */
    private Node maybeApplication(String name) {
        if (peek() != '(') {
            return new Node.Var(name);
        }
        int close = s.indexOf(')', pos);
        if (close < 0 || !SIMPLE_ARGUMENT.matcher(s.substring(pos + 1, close)).matches()) {
            return new Node.Var(name);
        }
        Node arg = group('(', ')');
        return new Node.Fn("apply:" + name, List.of(arg));
    }

    /** Reads "_x" or "_{...}" and returns a canonical form of the subscript, or null. */
    private String subscript() {
        int save = pos;
        skipWs();
        if (peek() != '_') {
            pos = save;
            return null;
        }
        pos++;
        skipWs();
        if (peek() == '{') {
            return rawGroup().replaceAll("\\s+", "").replace("\\text", "").replace("\\mathrm", "");
        }
        if (peek() == '\\') {
            String cmd = commandAt(pos);
            consumeCommand(cmd);
            return "\\" + cmd;
        }
        if (pos < s.length()) {
            return String.valueOf(s.charAt(pos++));
        }
        throw new ParseError("dangling subscript");
    }

    private Node parseCommand() {
        String cmd = commandAt(pos);
        if (cmd.isEmpty()) {
            throw new ParseError("dangling backslash");
        }
        consumeCommand(cmd);
        switch (cmd) {
            case "frac":
            case "cfrac": {
                Node a = arg();
                Node b = arg();
                return new Node.Bin('/', a, b);
            }
            case "sqrt": {
                skipWs();
                if (peek() == '[') {
                    pos++;
                    Node n = parseSum();
                    expect(']');
                    return new Node.Fn("root", List.of(n, arg()));
                }
                return new Node.Fn("sqrt", List.of(arg()));
            }
            case "binom":
                return new Node.Fn("binom", List.of(arg(), arg()));
            case "pi":
                return new Node.Const("pi");
            case "infty":
                return new Node.Const("inf");
            case "imath":
                return new Node.Const("i");
            case "lfloor":
            case "lceil": {
                Node inner = parseSum();
                skipWs();
                String close = cmd.equals("lfloor") ? "rfloor" : "rceil";
                if (!atCommand(close)) {
                    throw new ParseError("missing \\" + close);
                }
                consumeCommand(close);
                return new Node.Fn(cmd.equals("lfloor") ? "floor" : "ceil", List.of(inner));
            }
            case "text":
            case "operatorname":
                return textLike(cmd);
            case "exp":
                return parseFunction("exp");
            default:
                break;
        }
        if (FUNCTIONS.contains(cmd)) {
            return parseFunction(cmd);
        }
        if (DECORATIONS.contains(cmd)) {
            skipWs();
            String inner = peek() == '{' ? rawGroup().replaceAll("\\s+", "") : String.valueOf(s.charAt(pos++));
            String sub = subscript();
            return maybeApplication(cmd + "{" + inner + "}" + (sub == null ? "" : "_" + sub));
        }
        if (NOT_ATOMS.contains(cmd) || cmd.length() == 1) {
            throw new ParseError("unexpected \\" + cmd);
        }
        // Greek letters and any other symbol-like command (\hbar, \Delta, \odot, \angle).
        String sub = subscript();
        return maybeApplication("\\" + cmd + (sub == null ? "" : "_" + sub));
    }

    /** \text{...}: a number, a (possibly multi-letter) symbol, or an expression; \operatorname: a function. */
    private Node textLike(String cmd) {
        String inner = rawGroup().trim();
        if (cmd.equals("operatorname")) {
            String name = inner.replace(" ", "");
            if (FUNCTIONS.contains(name)) {
                return parseFunction(name);
            }
            String sub = subscript();
            return new Node.Var(name + (sub == null ? "" : "_" + sub));
        }
        if (inner.isEmpty()) {
            throw new ParseError("empty \\text");
        }
        if (inner.chars().allMatch(Character::isLetter)) {
            String sub = subscript();
            return new Node.Var(inner.length() == 1 ? inner + (sub == null ? "" : "_" + sub)
                    : "text:" + inner + (sub == null ? "" : "_" + sub));
        }
        return LatexParser.parseNested(inner, deadline, depth);
    }

    private static Node parseNested(String inner, Deadline deadline, int depth) {
        LatexParser p = new LatexParser(inner, deadline);
        p.depth = depth;
        Node n = p.parseSum();
        p.skipWs();
        if (p.pos != inner.length()) {
            throw new ParseError("bad \\text content");
        }
        return n;
    }

    /** One argument of \frac, \sqrt, \binom: a {group}, one digit, one letter, or one command. */
    private Node arg() {
        skipWs();
        char c = peek();
        if (c == '{') {
            return group('{', '}');
        }
        if (c == '(') {
            return group('(', ')'); // \sqrt(2), as models sometimes write
        }
        if (Character.isDigit(c)) {
            pos++;
            return Node.Num.exact(Rational.of(c - '0'));
        }
        if (Character.isLetter(c)) {
            return letterSymbol();
        }
        if (c == '\\') {
            return parseAtom();
        }
        throw new ParseError("missing argument at " + pos);
    }

    private Node parseFunction(String name) {
        enter();
        Node power = null;
        Node base = null;
        for (int k = 0; k < 2; k++) {
            skipWs();
            if (peek() == '^') {
                pos++;
                Node e = parseExponent();
                if (e instanceof Node.Neg neg && neg.a() instanceof Node.Num one
                        && one.value().equals(Rational.ONE) && INVERSE.containsKey(name)) {
                    name = INVERSE.get(name);
                } else {
                    power = e;
                }
            } else if (peek() == '_' && (name.equals("log"))) {
                pos++;
                skipWs();
                if (Character.isDigit(peek())) {
                    int st = pos;
                    while (Character.isDigit(peek())) {
                        pos++;
                    }
                    base = Node.Num.exact(Rational.of(new java.math.BigInteger(s.substring(st, pos))));
                } else {
                    base = arg();
                }
            }
        }
        skipWs();
        List<Node> args = new ArrayList<>(2);
        if (base != null) {
            args.add(base);
        }
        boolean multi = name.equals("max") || name.equals("min") || name.equals("gcd") || name.equals("lcm");
        if (multi && (peek() == '(' || peek() == '{')) {
            char close = peek() == '(' ? ')' : '}';
            pos++;
            do {
                args.add(parseSum());
                skipWs();
            } while (peek() == ',' && ++pos > 0);
            expect(close);
        } else if (name.equals("binom") && peek() == '(') {
            pos++;
            args.add(parseSum());
            expect(',');
            args.add(parseSum());
            expect(')');
        } else if (peek() == '(' || peek() == '{' || peek() == '[') {
            char open = peek();
            Node a = group(open, open == '(' ? ')' : open == '{' ? '}' : ']');
            args.add(postfixFactorial(a));
        } else {
            args.add(functionArgument());
        }
        leave();
        Node f = new Node.Fn(name, List.copyOf(args));
        return power == null ? f : new Node.Bin('^', f, power);
    }

    /** \sin 2x, \ln \Delta: an implicit product of powers, stopping at the next function name. */
    private Node functionArgument() {
        skipWs();
        if (peek() == '-') {
            pos++;
            return new Node.Neg(functionArgument());
        }
        Node a = parsePower();
        while (startsImplicitFactor() && !startsFunction()) {
            a = new Node.Bin('*', a, parsePower());
        }
        return a;
    }

    private boolean startsFunction() {
        if (peek() == '\\') {
            String cmd = commandAt(pos);
            return FUNCTIONS.contains(cmd) || cmd.equals("operatorname");
        }
        for (String name : PLAIN_NAMES) {
            if (s.startsWith(name, pos) && !Character.isLetter(peekAt(pos + name.length()))
                    && !name.equals("pi") && !name.startsWith("inf")) {
                return true;
            }
        }
        return false;
    }
}
