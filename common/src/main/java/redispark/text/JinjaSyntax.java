package redispark.text;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Rewrites the Jinja of Hugging Face templates that Jinjava reads differently from Python's Jinja2 into Jinja that
 * Jinjava reads the same way:
 *
 * <ul>
 *   <li>{@code -} whitespace control: {@code {%-}/{{-}/{#-} drop all whitespace before the tag, {@code -%}/-}}/-#}}
 *       all after (Jinjava keeps the indentation before {@code {{-});
 *   <li>slices with a step ({@code messages[::-1]}), which Jinjava cannot parse, become the {@code py_slice} filter;
 *   <li>keyword arguments are parenthesised ({@code namespace(n=messages|length - 1)}: Jinjava binds {@code =}
 *       tighter than {@code -}).
 * </ul>
 */
final class JinjaSyntax {
    private JinjaSyntax() {}

    /** The filter that slices with a step, {@link ChatTemplate}'s {@code py_slice}. */
    static final String SLICE_FILTER = "py_slice";

    static String rewrite(String template) {
        String t = whitespaceControl(template);
        StringBuilder out = new StringBuilder(t.length() + 64);
        int i = 0;
        while (i < t.length()) {
            int open = nextTag(t, i);
            if (open < 0) {
                out.append(t, i, t.length());
                break;
            }
            out.append(t, i, open + 2);
            char kind = t.charAt(open + 1);
            String close = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
            int end = kind == '#' ? t.indexOf(close, open + 2) : closing(t, open + 2, close);
            if (end < 0) {
                out.append(t, open + 2, t.length()); // unterminated: Jinjava reports it
                break;
            }
            String inner = t.substring(open + 2, end);
            out.append(kind == '#' ? inner : expression(inner)).append(close);
            i = end + 2;
        }
        return out.toString();
    }

    static String whitespaceControl(String t) {
        return t.replaceAll("\\s*\\{([{%#])-", "{$1").replaceAll("-([}%#])}\\s*", "$1}");
    }

    private static int nextTag(String t, int from) {
        for (int i = from; i + 1 < t.length(); i++) {
            if (t.charAt(i) == '{') {
                char c = t.charAt(i + 1);
                if (c == '{' || c == '%' || c == '#') {
                    return i;
                }
            }
        }
        return -1;
    }

    /** Where {@code close} ends the tag that starts at {@code from}, outside string literals; -1 if nowhere. */
    private static int closing(String t, int from, String close) {
        String mask = mask(t.substring(from));
        int at = mask.indexOf(close);
        return at < 0 ? -1 : from + at;
    }

    /** The code with the contents of its string literals replaced by {@code _}, so brackets in strings do not count. */
    static String mask(String code) {
        StringBuilder m = new StringBuilder(code);
        char quote = 0;
        for (int i = 0; i < code.length(); i++) {
            char c = code.charAt(i);
            if (quote != 0) {
                if (c == '\\' && i + 1 < code.length()) {
                    m.setCharAt(i, '_');
                    m.setCharAt(++i, '_');
                } else if (c == quote) {
                    quote = 0;
                } else {
                    m.setCharAt(i, '_');
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            }
        }
        return m.toString();
    }

    /** One tag's code with step slices and keyword arguments rewritten. */
    static String expression(String code) {
        String c = code;
        for (int pass = 0; pass < 64; pass++) {
            String next = oneStepSlice(c);
            if (next.equals(c)) {
                break;
            }
            c = next;
        }
        return parenthesiseKeywordArguments(c);
    }

    /** Rewrites the first {@code X[a:b:c]} into {@code (X|py_slice(a, b, c))}; the code itself when there is none. */
    private static String oneStepSlice(String code) {
        String mask = mask(code);
        for (int open = mask.indexOf('['); open >= 0; open = mask.indexOf('[', open + 1)) {
            int close = match(mask, open);
            if (close < 0) {
                return code;
            }
            List<Integer> colons = topLevel(mask, open + 1, close, ':');
            if (colons.size() != 2) {
                continue;
            }
            int start = open - 1;
            while (start >= 0) {
                char ch = mask.charAt(start);
                if (Character.isLetterOrDigit(ch) || ch == '_' || ch == '.') {
                    start--;
                } else if (ch == ']' || ch == ')') {
                    start = matchBack(mask, start) - 1;
                    if (start < -1) {
                        return code;
                    }
                } else {
                    break;
                }
            }
            String subject = code.substring(start + 1, open);
            if (subject.isBlank()) {
                continue; // a list literal, not a slice
            }
            String a = code.substring(open + 1, colons.get(0)).strip();
            String b = code.substring(colons.get(0) + 1, colons.get(1)).strip();
            String s = code.substring(colons.get(1) + 1, close).strip();
            return code.substring(0, start + 1) + "(" + subject + "|" + SLICE_FILTER + "(" + orNone(a) + ", "
                    + orNone(b) + ", " + orNone(s) + "))" + code.substring(close + 1);
        }
        return code;
    }

    private static String orNone(String s) {
        return s.isEmpty() ? "none" : s;
    }

    /** {@code f(name=value)} → {@code f(name=(value))} at every call. */
    private static String parenthesiseKeywordArguments(String code) {
        String mask = mask(code);
        TreeMap<Integer, List<String>> inserts = new TreeMap<>();
        for (int open = mask.indexOf('('); open >= 0; open = mask.indexOf('(', open + 1)) {
            int close = match(mask, open);
            if (close < 0) {
                break;
            }
            int argStart = open + 1;
            List<Integer> commas = topLevel(mask, open + 1, close, ',');
            commas.add(close);
            for (int comma : commas) {
                String arg = mask.substring(argStart, comma);
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\s*[A-Za-z_]\\w*\\s*=(?!=)")
                        .matcher(arg);
                if (m.find() && !arg.substring(m.end()).isBlank()) {
                    inserts.computeIfAbsent(argStart + m.end(), k -> new ArrayList<>())
                            .add("(");
                    inserts.computeIfAbsent(comma, k -> new ArrayList<>()).add(0, ")");
                }
                argStart = comma + 1;
            }
        }
        StringBuilder out = new StringBuilder(code);
        for (var e : inserts.descendingMap().entrySet()) {
            out.insert(e.getKey(), String.join("", e.getValue()));
        }
        return out.toString();
    }

    private static int match(String mask, int open) {
        char o = mask.charAt(open);
        char c = o == '[' ? ']' : o == '(' ? ')' : '}';
        int depth = 0;
        for (int i = open; i < mask.length(); i++) {
            char ch = mask.charAt(i);
            if (ch == '[' || ch == '(' || ch == '{') {
                depth++;
            } else if (ch == ']' || ch == ')' || ch == '}') {
                depth--;
                if (depth == 0) {
                    return ch == c ? i : -1;
                }
            }
        }
        return -1;
    }

    private static int matchBack(String mask, int close) {
        int depth = 0;
        for (int i = close; i >= 0; i--) {
            char ch = mask.charAt(i);
            if (ch == ']' || ch == ')' || ch == '}') {
                depth++;
            } else if (ch == '[' || ch == '(' || ch == '{') {
                depth--;
                if (depth == 0) {
                    return i;
                }
            }
        }
        return -1;
    }

    /** Positions of {@code sep} between {@code from} and {@code to} outside nested brackets. */
    private static List<Integer> topLevel(String mask, int from, int to, char sep) {
        List<Integer> out = new ArrayList<>();
        int depth = 0;
        for (int i = from; i < to; i++) {
            char ch = mask.charAt(i);
            if (ch == '[' || ch == '(' || ch == '{') {
                depth++;
            } else if (ch == ']' || ch == ')' || ch == '}') {
                depth--;
            } else if (ch == sep && depth == 0) {
                out.add(i);
            }
        }
        return out;
    }
}
