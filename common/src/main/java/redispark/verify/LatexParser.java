package redispark.verify;

import java.util.ArrayList;
import java.util.List;

/**
 * Hand-written recursive-descent parser for one mathematical expression, written either as LaTeX
 * ({@code \frac{1}{2}}, {@code 2\sqrt{5}}, {@code \sin^2 x}) or as plain text ({@code pi/4},
 * {@code sqrt(2)}, {@code 2**10}). Relations, lists, tuples and sets are split off beforehand by
 * {@link AnswerParser}; this class sees a single expression that has been through {@link Normalizer}.
 * Recursion depth is bounded and the deadline is checked, so hostile input cannot hang or overflow.
 */
final class LatexParser extends LatexCursor {

    private int absDepth;

    private LatexParser(String s, Deadline deadline) {
        super(s, deadline);
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
        if (left instanceof Node.Num n
                && n.halfUnit() == null
                && n.value().isInteger()
                && right instanceof Node.Bin b
                && b.op() == '/'
                && b.a() instanceof Node.Num p
                && b.b() instanceof Node.Num q
                && p.value().isInteger()
                && q.value().isInteger()) {
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
            return !cmd.isEmpty() && !LatexVocabulary.NOT_ATOMS.contains(cmd);
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

    private Node parseLetters() {
        for (String name : LatexVocabulary.PLAIN_NAMES) {
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

    private static final java.util.regex.Pattern SIMPLE_ARGUMENT =
            java.util.regex.Pattern.compile("\\s*(?:[A-Za-z](?:_\\{?\\w+\\}?)?|\\\\[a-zA-Z]+|-?\\d+(?:\\.\\d+)?)\\s*");

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
        if (LatexVocabulary.FUNCTIONS.contains(cmd)) {
            return parseFunction(cmd);
        }
        if (LatexVocabulary.DECORATIONS.contains(cmd)) {
            skipWs();
            if (pos >= s.length()) {
                throw new ParseError("\\" + cmd + " without argument");
            }
            String inner = peek() == '{' ? rawGroup().replaceAll("\\s+", "") : String.valueOf(s.charAt(pos++));
            String sub = subscript();
            return maybeApplication(cmd + "{" + inner + "}" + (sub == null ? "" : "_" + sub));
        }
        if (LatexVocabulary.NOT_ATOMS.contains(cmd) || cmd.length() == 1) {
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
            if (LatexVocabulary.FUNCTIONS.contains(name)) {
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
            return new Node.Var(
                    inner.length() == 1
                            ? inner + (sub == null ? "" : "_" + sub)
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
                if (e instanceof Node.Neg neg
                        && neg.a() instanceof Node.Num one
                        && one.value().equals(Rational.ONE)
                        && LatexVocabulary.INVERSE.containsKey(name)) {
                    name = LatexVocabulary.INVERSE.get(name);
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
            return LatexVocabulary.FUNCTIONS.contains(cmd) || cmd.equals("operatorname");
        }
        for (String name : LatexVocabulary.PLAIN_NAMES) {
            if (s.startsWith(name, pos)
                    && !Character.isLetter(peekAt(pos + name.length()))
                    && !name.equals("pi")
                    && !name.startsWith("inf")) {
                return true;
            }
        }
        return false;
    }
}
