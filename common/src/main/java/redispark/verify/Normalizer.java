package redispark.verify;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * String-level clean-up shared by gold and prediction before parsing: delimiters, spacing commands,
 * \left/\right, \dfrac, thousands separators, degrees, currency, percent words, trailing units and
 * text, empty-set spellings. Everything here removes notation that carries no value; anything that
 * changes a value (percent, mixed numbers) is only marked and decided later.
 */
final class Normalizer {

    /** Answers longer than this are not answers (and would make regexes slow). */
    static final int MAX_ANSWER_CHARS = 4000;

    private static final Pattern SIMPLE_NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?");
    private static final Pattern SIZING = Pattern.compile(
            "\\\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|Biggl|Biggr|bigm|Bigm|big|Big|bigg|Bigg)(?![a-zA-Z])\\s*");
    private static final Pattern LEFT_RIGHT_DOT = Pattern.compile("\\\\(?:left|right)\\s*\\.");
    private static final Pattern STYLE = Pattern.compile(
            "\\\\(?:displaystyle|textstyle|scriptstyle|limits|nolimits|mathstrut|strut|phantom\\{[^{}]*\\})(?![a-zA-Z])");
    private static final Pattern FONT = Pattern.compile(
            "\\\\(?:mathrm|mathbf|textbf|mbox|textit|mathit|textrm|textnormal|textsf|mathsf|texttt|hbox|emph)\\s*\\{");
    private static final Pattern TEXT_SPACE = Pattern.compile("\\\\text\\s+\\{");
    private static final Pattern THOUSANDS_BANG = Pattern.compile("(\\d),\\\\!\\s*(?=\\d{3}(?!\\d))");
    private static final Pattern THOUSANDS_THIN =
            Pattern.compile("(\\d)(?:\\\\,|(?<!\\\\)\\\\ |\\{,\\}|\\\\;|\\\\:|\\s)(?=\\d{3}(?!\\d))");
    private static final Pattern THOUSANDS_PLAIN = Pattern.compile("-?\\d{1,3}(?:,\\d{3})+(?:\\.\\d+)?");
    private static final Pattern SPACING =
            Pattern.compile("(?<!\\\\)\\\\(?:[!,;: ]|quad|qquad|enspace|thinspace|medspace)|~");
    private static final Pattern DEGREES = Pattern.compile(
            "\\^\\s*\\{\\s*\\\\circ\\s*\\}|\\^\\s*\\\\circ|\\\\circ|\\\\degree|°|\\^\\s*\\{\\s*o\\s*\\}");
    private static final Pattern PERCENT = Pattern.compile(
            "\\\\text\\{\\s*\\\\?%\\s*\\}|\\\\%|\\s*\\b(?:percent|percentage|pct)\\b|\\s*\\\\text\\{\\s*percent\\s*\\}");
    private static final Pattern CURRENCY = Pattern.compile("\\\\\\$|\\\\text\\{\\s*\\\\\\$\\s*\\}|US\\$|\\$");
    private static final Pattern AND_OR = Pattern.compile(
            "\\s*(?:\\\\text\\{\\s*(?:and|or|,)\\s*\\}|\\\\quad\\s*\\\\text\\{\\s*(?:and|or)\\s*\\}|(?<![a-zA-Z])(?:and|or)(?![a-zA-Z]))\\s*");
    private static final Pattern EMPTY_SET = Pattern.compile(
            "\\\\varnothing|\\\\emptyset|\\\\oslash|∅|\\\\\\{\\s*\\\\\\}|\\{\\s*\\}|\\\\O(?![a-zA-Z])|(?i:\\bempty set\\b)");
    /** A trailing \text{...} unit (optionally squared) after something; repeated to peel "m/s". */
    private static final Pattern TRAILING_TEXT = Pattern.compile(
            "(?<=[\\w})\\].])\\s*(?:/\\s*)?\\\\text\\{\\s*[a-zA-Z][a-zA-Z .\\-/]*\\}(?:\\s*\\^\\s*\\{?\\s*[23]\\s*\\}?)?\\s*$");

    private static final Pattern TRAILING_UNIT_WORD =
            Pattern.compile("(?<=[\\d}).\\s])\\s*(?:square\\s+|sq\\.?\\s+|cubic\\s+)?(?:" + Units.WORDS
                    + ")(?:\\s*/\\s*[a-zA-Z]+)?" + "(?:\\s*\\^\\s*\\{?\\s*[23]\\s*\\}?)?\\s*\\.?\\s*$");
    private static final Pattern WS = Pattern.compile("\\s+");
    private static final Pattern TRAILING_WORDS = Pattern.compile(
            "(?<=[\\d)\\]])\\s+((?:[a-zA-Z]{3,}|[a-zA-Z]{3,}\\s+[a-zA-Z]+)(?:\\s+[a-zA-Z]+)*)\\.?\\s*$");
    /** Words that join two parts of one value ("3 mod 7", "2 and 3") rather than describe it. */
    private static final java.util.Set<String> CONNECTIVES = java.util.Set.of("mod", "and", "or");

    private static final Pattern FRAC_ALIASES = Pattern.compile("\\\\[dtc]frac(?![a-zA-Z])");
    private static final Pattern BINOM_ALIASES = Pattern.compile("\\\\[dt]binom(?![a-zA-Z])");
    private static final Pattern RELATIONS = Pattern.compile("\\\\(?:leqslant|leq|leqq)(?![a-zA-Z])|≤|<=");
    private static final Pattern RELATIONS_GE = Pattern.compile("\\\\(?:geqslant|geq|geqq)(?![a-zA-Z])|≥|>=");
    private static final Pattern RELATIONS_NE = Pattern.compile("\\\\(?:neq|not=)(?![a-zA-Z])|≠|!=");
    private static final Pattern LT_GT = Pattern.compile("\\\\(lt|gt)(?![a-zA-Z])");
    private static final Pattern INFINITY_WORD = Pattern.compile("(?<![a-zA-Z\\\\])(?:infinity|inf|oo)(?![a-zA-Z])");
    private static final Pattern CODE_PREFIX = Pattern.compile("\\b(?:np|math|sympy|sp)\\.");
    private static final Pattern BOXED_WRAP = Pattern.compile("^\\\\(?:boxed|fbox)\\s*\\{");
    private static final Pattern MINUS_SIGNS = Pattern.compile("[−–—‐]");

    private Normalizer() {}

    /** Normalised answer text; throws {@link ParseError} when it is too long to be an answer. */
    static String normalize(String raw) {
        if (raw == null) {
            throw new ParseError("null answer");
        }
        String s = raw.strip();
        if (s.length() > MAX_ANSWER_CHARS) {
            throw new ParseError("answer too long");
        }
        if (SIMPLE_NUMBER.matcher(s).matches()) {
            return s; // fast path: most golds and many predictions are plain numbers
        }
        s = unicode(s);
        // Each rewrite is guarded by a cheap substring test: most answers trigger none of them, and
        // this keeps normalisation at a few microseconds.
        if (s.indexOf('$') >= 0) {
            s = CURRENCY.matcher(s).replaceAll("");
        }
        boolean backslash = s.indexOf('\\') >= 0;
        if (backslash) {
            s = s.replace("\\(", "").replace("\\)", "").replace("\\[", "").replace("\\]", "");
            if (s.startsWith("\\boxed") || s.startsWith("\\fbox")) {
                s = unwrapBoxed(s);
            }
            if (s.contains("\\left") || s.contains("\\right") || s.contains("\\big") || s.contains("\\Big")) {
                s = LEFT_RIGHT_DOT.matcher(s).replaceAll("");
                s = SIZING.matcher(s).replaceAll("");
            }
            if (s.contains("style") || s.contains("limits") || s.contains("strut") || s.contains("phantom")) {
                s = STYLE.matcher(s).replaceAll("");
            }
            if (s.contains("frac")) {
                s = FRAC_ALIASES.matcher(s).replaceAll("\\\\frac");
            }
            if (s.contains("binom")) {
                s = BINOM_ALIASES.matcher(s).replaceAll("\\\\binom");
            }
            if (s.contains("\\math") || s.contains("\\text") || s.contains("box") || s.contains("\\emph")) {
                s = FONT.matcher(s).replaceAll("\\\\text{");
                s = TEXT_SPACE.matcher(s).replaceAll("\\\\text{");
            }
            if (s.contains(",\\!")) {
                s = THOUSANDS_BANG.matcher(s).replaceAll("$1");
            }
        }
        if (backslash || s.indexOf(' ') >= 0 || s.contains("{,}")) {
            s = repeat(THOUSANDS_THIN, s, "$1");
            s = s.replace("{,}", "");
        }
        if (s.indexOf('%') >= 0 || s.contains("perc") || s.contains("pct")) {
            s = PERCENT.matcher(s).replaceAll("%");
        }
        if (backslash || s.indexOf('~') >= 0) {
            s = SPACING.matcher(s).replaceAll(" ");
        }
        if (s.contains("circ") || s.indexOf('°') >= 0 || s.contains("degree") || s.contains("{o}")) {
            s = DEGREES.matcher(s).replaceAll("");
        }
        if (s.contains("nothing")
                || s.contains("empty")
                || s.contains("oslash")
                || s.contains("{}")
                || s.contains("{ }")
                || (s.contains("\\{") && s.contains("\\}"))
                || s.contains("\\O")
                || s.indexOf('∅') >= 0) {
            s = EMPTY_SET.matcher(s).replaceAll("\\\\emptyset");
        }
        if (s.indexOf('<') >= 0
                || s.indexOf('>') >= 0
                || s.indexOf('!') >= 0
                || s.indexOf('≤') >= 0
                || s.indexOf('≥') >= 0
                || s.indexOf('≠') >= 0
                || s.contains("\\le")
                || s.contains("\\ge")
                || s.contains("\\ne")
                || s.contains("\\lt")
                || s.contains("\\gt")
                || s.contains("\\not")) {
            s = RELATIONS.matcher(s).replaceAll("\\\\le ");
            s = RELATIONS_GE.matcher(s).replaceAll("\\\\ge ");
            s = RELATIONS_NE.matcher(s).replaceAll("\\\\ne ");
            s = LT_GT.matcher(s).replaceAll(m -> m.group(1).equals("lt") ? "<" : ">");
        }
        if (s.indexOf('.') >= 0) {
            s = CODE_PREFIX.matcher(s).replaceAll("");
        }
        if (s.contains("inf") || s.contains("oo")) {
            s = INFINITY_WORD.matcher(s).replaceAll("\\\\infty");
        }
        if (s.contains("and") || s.contains("or") || s.contains("\\text{,")) {
            s = AND_OR.matcher(s).replaceAll(",");
        }
        if (hasLetterNearEnd(s)) {
            s = stripUnits(s);
        }
        s = collapseSpaces(s);
        s = stripTrailingPunctuation(s);
        if (s.startsWith(",")) {
            s = s.substring(1).strip();
        }
        if (s.startsWith("\\approx") || s.startsWith("≈")) {
            s = s.substring(s.charAt(0) == '≈' ? 1 : 7).strip(); // "\approx 3.14" is the value 3.14
        }

        if (s.indexOf(',') > 0 && THOUSANDS_PLAIN.matcher(s).matches()) {
            s = s.replace(",", "");
        }
        return s;
    }

    /** Units can only trail an answer that ends in a letter, a brace or a superscript digit. */
    private static boolean hasLetterNearEnd(String s) {
        for (int i = s.length() - 1; i >= 0 && i >= s.length() - 4; i--) {
            char c = s.charAt(i);
            if (Character.isLetter(c) || c == '}') {
                return true;
            }
        }
        return false;
    }

    private static String collapseSpaces(String s) {
        boolean needs = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\t' || c == '\r' || (c == ' ' && i + 1 < s.length() && s.charAt(i + 1) == ' ')) {
                needs = true;
                break;
            }
        }
        return (needs ? WS.matcher(s).replaceAll(" ") : s).strip();
    }

    private static String stripTrailingPunctuation(String s) {
        int end = s.length();
        while (end > 0 && ".;,: \t\n".indexOf(s.charAt(end - 1)) >= 0) {
            end--;
        }
        return end == s.length() ? s : s.substring(0, end);
    }

    /**
     * "12 socks", "5 apples each": plain words (three letters or more, not a function name) after a
     * number or closing bracket are a description, not part of the value.
     */
    private static String stripTrailingWords(String s) {
        Matcher m = TRAILING_WORDS.matcher(s);
        if (!m.find()) {
            return s;
        }
        for (String w : m.group(1).trim().split("[\\s.]+")) {
            if (LatexVocabulary.isPlainName(w) || CONNECTIVES.contains(w.toLowerCase(java.util.Locale.ROOT))) {
                return s;
            }
        }
        return s.substring(0, m.start()).strip();
    }

    private static String repeat(Pattern p, String s, String replacement) {
        for (int i = 0; i < 8; i++) {
            String t = p.matcher(s).replaceAll(replacement);
            if (t.equals(s)) {
                return t;
            }
            s = t;
        }
        return s;
    }

    private static String unicode(String s) {
        boolean ascii = true;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 127) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return s;
        }
        s = MINUS_SIGNS.matcher(s).replaceAll("-");
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String rep = switch (c) {
                case '×' -> "\\times ";
                case '·', '⋅' -> "\\cdot ";
                case '÷' -> "\\div ";
                case 'π' -> "\\pi ";
                case '√' -> "\\sqrt";
                case '∞' -> "\\infty ";
                case '∪' -> "\\cup ";
                case '∈' -> "\\in ";
                case '±' -> "\\pm ";
                case '½' -> "\\frac{1}{2}";
                case '⅓' -> "\\frac{1}{3}";
                case '⅔' -> "\\frac{2}{3}";
                case '¼' -> "\\frac{1}{4}";
                case '¾' -> "\\frac{3}{4}";
                case '⅕' -> "\\frac{1}{5}";
                case '⅖' -> "\\frac{2}{5}";
                case '⅗' -> "\\frac{3}{5}";
                case '⅘' -> "\\frac{4}{5}";
                case '⅙' -> "\\frac{1}{6}";
                case '⅚' -> "\\frac{5}{6}";
                case '⅛' -> "\\frac{1}{8}";
                case '⅜' -> "\\frac{3}{8}";
                case '⅝' -> "\\frac{5}{8}";
                case '⅞' -> "\\frac{7}{8}";
                case '²' -> "^2";
                case '³' -> "^3";
                case '\u00a0', '\u2009', '\u202f', '\u2007' -> " ";
                default -> null;
            };
            if (rep != null) {
                b.append(rep);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** A gold written as "\boxed{...}" is read as its content. */
    private static String unwrapBoxed(String s) {
        Matcher m = BOXED_WRAP.matcher(s);
        if (m.find() && s.endsWith("}")) {
            int close = Extractor.matchBrace(s, m.end() - 1, Deadline.NONE);
            if (close == s.length() - 1) {
                return s.substring(m.end(), close).strip();
            }
        }
        return s;
    }

    private static String stripUnits(String s) {
        for (int i = 0; i < 4; i++) {
            String before = s;
            s = TRAILING_TEXT.matcher(s).replaceAll("");
            s = TRAILING_UNIT_WORD.matcher(s).replaceAll("");
            s = stripTrailingWords(s);
            s = s.strip();
            if (s.equals(before)) {
                break;
            }
        }
        return s;
    }
}
