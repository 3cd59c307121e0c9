package redispark.verify;

import java.math.BigDecimal;

/**
 * Character-level state and lexical helpers of {@link LatexParser}: position, whitespace, commands,
 * raw brace groups, subscripts and number literals. Recursion depth and the deadline are enforced
 * here, so every grammar rule that calls {@link #enter()} is bounded.
 */
abstract class LatexCursor {

    static final int MAX_DEPTH = 60;

    final String s;
    final Deadline deadline;
    int pos;
    int depth;
    private int steps;

    LatexCursor(String s, Deadline deadline) {
        this.s = s;
        this.deadline = deadline;
    }

    /**
     * Grammar steps (atoms, groups) per expression. A flat sum of thousands of terms is no answer, and
     * its tree is as deep as it is long: evaluation and comparison recurse over it, so it is refused.
     */
    static final int MAX_STEPS = 1000;

    void enter() {
        if (++depth > MAX_DEPTH) {
            throw new ParseError("expression nested too deeply");
        }
        if ((++steps & 15) == 0) {
            deadline.check();
            if (steps > MAX_STEPS) {
                throw new ParseError("expression too large");
            }
        }
    }

    void leave() {
        depth--;
    }

    void skipWs() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
    }

    char peek() {
        return pos < s.length() ? s.charAt(pos) : '\0';
    }

    char peekAt(int i) {
        return i < s.length() ? s.charAt(i) : '\0';
    }

    /** Name of the command at pos (without backslash), or null if pos is not at a backslash. */
    String commandAt(int at) {
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

    boolean atCommand(String name) {
        String c = commandAt(pos);
        return name.equals(c);
    }

    void consumeCommand(String name) {
        pos += name.length() + 1;
    }

    void expect(char c) {
        skipWs();
        if (peek() != c) {
            throw new ParseError("expected '" + c + "' at " + pos);
        }
        pos++;
    }

    /** Raw text of a {...} group starting at pos (pos is left after the closing brace). */
    String rawGroup() {
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

    /** Reads "_x" or "_{...}" and returns a canonical form of the subscript, or null. */
    String subscript() {
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

    Node parseNumber() {
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
        Node repeating = repeatingDecimal(text);
        if (repeating != null) {
            return repeating;
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
            Rational scale = exp10 > 0
                    ? Rational.of(java.math.BigInteger.TEN.pow(exp10))
                    : Rational.of(java.math.BigInteger.ONE, java.math.BigInteger.TEN.pow(-exp10));
            value = value.multiply(scale);
            if (half != null) {
                half = half.scaleByPowerOfTen(exp10);
            }
        }
        return new Node.Num(value, half);
    }

    /** 0.\\overline{3} = 1/3, 1.2\\overline{45}: exact repeating decimals. Null if none follows. */
    private Node repeatingDecimal(String text) {
        if (!s.startsWith("\\overline{", pos) && !s.startsWith("\\dot{", pos)) {
            return null;
        }
        int save = pos;
        pos += s.startsWith("\\overline{", pos) ? 9 : 4;
        String rep = rawGroup().replace(" ", "");
        if (rep.isEmpty() || rep.length() > 50 || !rep.chars().allMatch(Character::isDigit)) {
            pos = save;
            return null;
        }
        BigDecimal head = new BigDecimal(text.isEmpty() ? "0" : text);
        int shift = Math.max(head.scale(), 0);
        // head + rep / (10^len - 1) / 10^shift
        Rational tail = Rational.of(
                new java.math.BigInteger(rep),
                java.math.BigInteger.TEN
                        .pow(rep.length())
                        .subtract(java.math.BigInteger.ONE)
                        .multiply(java.math.BigInteger.TEN.pow(shift)));
        return Node.Num.exact(Rational.of(head).add(tail));
    }

    Node baseSubscript(String digits) {
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
}
