package redispark.verify;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Names the LaTeX / plain-math parser knows: functions, operators, decorations. */
final class LatexVocabulary {

    /** Plain-text names recognised when followed by a non-letter (longest first). */
    static final String[] PLAIN_NAMES = {
        "infinity",
        "arcsin",
        "arccos",
        "arctan",
        "sqrt",
        "sinh",
        "cosh",
        "tanh",
        "asin",
        "acos",
        "atan",
        "floor",
        "ceil",
        "binom",
        "sin",
        "cos",
        "tan",
        "cot",
        "sec",
        "csc",
        "log",
        "exp",
        "abs",
        "inf",
        "ln",
        "pi"
    };

    private static final Set<String> PLAIN_NAME_SET = Set.of(PLAIN_NAMES);

    /**
     * True when {@code word} (any case) is one of the {@link #PLAIN_NAMES}: a function or constant
     * name, so text around it is mathematics rather than a description in words.
     */
    static boolean isPlainName(String word) {
        return PLAIN_NAME_SET.contains(word.toLowerCase(Locale.ROOT));
    }

    static final Set<String> FUNCTIONS = Set.of(
            "sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan", "asin", "acos", "atan", "sinh",
            "cosh", "tanh", "ln", "log", "lg", "exp", "abs", "floor", "ceil", "sqrt", "binom", "max", "min", "gcd",
            "lcm", "arccot", "coth", "sgn", "det");

    static final Map<String, String> INVERSE = Map.of("sin", "arcsin", "cos", "arccos", "tan", "arctan");

    /** Commands that end an expression or act as operators: never the start of an implicit factor. */
    static final Set<String> NOT_ATOMS = Set.of(
            "cdot",
            "times",
            "div",
            "ast",
            "pm",
            "mp",
            "le",
            "ge",
            "ne",
            "lt",
            "gt",
            "leq",
            "geq",
            "neq",
            "in",
            "cup",
            "cap",
            "to",
            "right",
            "end",
            "rfloor",
            "rceil",
            "approx",
            "equiv",
            "sim",
            "implies",
            "rightarrow",
            "Rightarrow",
            "quad",
            "qquad",
            "setminus",
            "mid",
            "notin",
            "subset",
            "subseteq",
            "land",
            "lor",
            "wedge",
            "vee",
            "iff",
            "over",
            "choose",
            "}",
            "{",
            "\\",
            "%",
            "circ",
            "prime");

    /** Decorations that turn their argument into a distinct symbol. */
    static final Set<String> DECORATIONS = Set.of(
            "dot",
            "ddot",
            "hat",
            "bar",
            "overline",
            "vec",
            "tilde",
            "widehat",
            "widetilde",
            "mathbb",
            "mathcal",
            "mathfrak",
            "boldsymbol",
            "bm",
            "check",
            "underline",
            "overrightarrow",
            "mathscr");

    private LatexVocabulary() {}
}
