package redispark.text;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a chat template may do with the values it is given, as Python does it for Hugging Face templates: the
 * methods of {@code str} and {@code dict} that templates call (a fixed list; nothing else is callable), and
 * {@code tojson} as transformers defines it ({@code json.dumps} with {@code ensure_ascii=False}).
 */
final class PythonValues {
    private PythonValues() {}

    /** {@code value.method(args)} for a string or a dict; anything else is refused. */
    static Object call(Object value, String method, Object[] args) {
        if (value instanceof String s) {
            return stringMethod(s, method, args);
        }
        if (value instanceof Map<?, ?> m) {
            return dictMethod(m, method, args);
        }
        throw refused(value, method);
    }

    static IllegalArgumentException refused(Object value, String method) {
        return new IllegalArgumentException(
                "calling ." + method + "() on " + typeName(value) + " is not allowed in a chat template");
    }

    static String typeName(Object value) {
        if (value == null) {
            return "none";
        }
        if (value instanceof String) {
            return "a string";
        }
        if (value instanceof Map) {
            return "a dict";
        }
        if (value instanceof List) {
            return "a list";
        }
        if (value instanceof Number || value instanceof Boolean) {
            return "a number";
        }
        return "an object";
    }

    private static Object stringMethod(String s, String method, Object[] args) {
        switch (method) {
            case "strip":
                return rstrip(lstrip(s, chars(args)), chars(args));
            case "lstrip":
                return lstrip(s, chars(args));
            case "rstrip":
                return rstrip(s, chars(args));
            case "split":
                return split(s, args);
            case "startswith":
                return affix(s, args, true);
            case "endswith":
                return affix(s, args, false);
            case "upper":
                return s.toUpperCase(java.util.Locale.ROOT);
            case "lower":
                return s.toLowerCase(java.util.Locale.ROOT);
            case "title":
                return title(s);
            case "capitalize":
                return s.isEmpty()
                        ? s
                        : s.substring(0, 1).toUpperCase(java.util.Locale.ROOT)
                                + s.substring(1).toLowerCase(java.util.Locale.ROOT);
            case "replace": {
                arity(method, args, 2, 3);
                String old = string(method, args[0]);
                String replacement = string(method, args[1]);
                int count = args.length == 3 ? integer(method, args[2]) : -1;
                return replace(s, old, replacement, count);
            }
            case "find":
                arity(method, args, 1, 1);
                return (long) s.indexOf(string(method, args[0]));
            case "count":
                arity(method, args, 1, 1);
                return (long) count(s, string(method, args[0]));
            case "join": {
                arity(method, args, 1, 1);
                List<String> parts = new ArrayList<>();
                for (Object o : iterable(method, args[0])) {
                    parts.add(string(method, o));
                }
                return String.join(s, parts);
            }
            case "splitlines": {
                arity(method, args, 0, 0);
                List<String> lines = new ArrayList<>(List.of(s.split("\r\n|\r|\n", -1)));
                if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
                    lines.remove(lines.size() - 1); // a final line break ends the last line, it starts none
                }
                return lines;
            }
            case "isdigit":
                return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
            case "isspace":
                return !s.isEmpty() && s.chars().allMatch(Character::isWhitespace);
            default:
                throw refused(s, method);
        }
    }

    private static Object dictMethod(Map<?, ?> m, String method, Object[] args) {
        switch (method) {
            case "get":
                arity(method, args, 1, 2);
                return m.containsKey(args[0]) ? m.get(args[0]) : args.length == 2 ? args[1] : null;
            case "keys":
                arity(method, args, 0, 0);
                return new ArrayList<>(m.keySet());
            case "values":
                arity(method, args, 0, 0);
                return new ArrayList<>(m.values());
            case "items": {
                arity(method, args, 0, 0);
                List<List<Object>> items = new ArrayList<>();
                m.forEach((k, v) -> items.add(java.util.Arrays.asList(k, v)));
                return items;
            }
            default:
                throw refused(m, method);
        }
    }

    /** The characters to strip: whitespace when none are given (or None). */
    private static String chars(Object[] args) {
        arity("strip", args, 0, 1);
        return args.length == 0 || args[0] == null ? null : string("strip", args[0]);
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? Character.isWhitespace(c) : chars.indexOf(c) >= 0;
    }

    static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length() && stripped(s.charAt(i), chars)) {
            i++;
        }
        return s.substring(i);
    }

    static String rstrip(String s, String chars) {
        int i = s.length();
        while (i > 0 && stripped(s.charAt(i - 1), chars)) {
            i--;
        }
        return s.substring(0, i);
    }

    /** Python's {@code str.split([sep[, maxsplit]])}: a literal separator keeps empty parts; none splits on runs of whitespace. */
    private static List<String> split(String s, Object[] args) {
        arity("split", args, 0, 2);
        String sep = args.length == 0 || args[0] == null ? null : string("split", args[0]);
        int max = args.length == 2 ? integer("split", args[1]) : -1;
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            while (true) {
                while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                    i++;
                }
                if (i >= s.length()) {
                    return out;
                }
                if (max >= 0 && out.size() == max) {
                    out.add(rstrip(s.substring(i), null));
                    return out;
                }
                int j = i;
                while (j < s.length() && !Character.isWhitespace(s.charAt(j))) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
        }
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("split: empty separator");
        }
        int from = 0;
        while (max < 0 || out.size() < max) {
            int at = s.indexOf(sep, from);
            if (at < 0) {
                break;
            }
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    /** {@code startswith}/{@code endswith} with a string or a list of strings. */
    private static boolean affix(String s, Object[] args, boolean start) {
        String method = start ? "startswith" : "endswith";
        arity(method, args, 1, 1);
        Collection<?> options = args[0] instanceof Collection<?> c ? c : List.of(string(method, args[0]));
        for (Object o : options) {
            String a = string(method, o);
            if (start ? s.startsWith(a) : s.endsWith(a)) {
                return true;
            }
        }
        return false;
    }

    private static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(previousCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
            previousCased = Character.isLetter(c);
        }
        return out.toString();
    }

    private static String replace(String s, String old, String replacement, int count) {
        if (count < 0) {
            return s.replace(old, replacement);
        }
        StringBuilder out = new StringBuilder();
        int from = 0;
        for (int n = 0; n < count; n++) {
            int at = s.indexOf(old, from);
            if (at < 0) {
                break;
            }
            out.append(s, from, at).append(replacement);
            from = at + old.length();
            if (old.isEmpty()) { // Python inserts between characters
                if (from >= s.length()) {
                    break;
                }
                out.append(s.charAt(from));
                from++;
            }
        }
        return out.append(s.substring(Math.min(from, s.length()))).toString();
    }

    private static int count(String s, String part) {
        if (part.isEmpty()) {
            return s.length() + 1;
        }
        int n = 0;
        for (int at = s.indexOf(part); at >= 0; at = s.indexOf(part, at + part.length())) {
            n++;
        }
        return n;
    }

    private static void arity(String method, Object[] args, int min, int max) {
        if (args.length < min || args.length > max) {
            throw new IllegalArgumentException(method + "() takes " + (min == max ? "" + min : min + " to " + max)
                    + " arguments, got " + args.length);
        }
    }

    private static String string(String method, Object o) {
        if (o instanceof CharSequence cs) {
            return cs.toString();
        }
        throw new IllegalArgumentException(method + "(): expected a string, got " + typeName(o));
    }

    private static int integer(String method, Object o) {
        if (o instanceof Number n) {
            return n.intValue();
        }
        throw new IllegalArgumentException(method + "(): expected an integer, got " + typeName(o));
    }

    private static Iterable<?> iterable(String method, Object o) {
        if (o instanceof Iterable<?> it) {
            return it;
        }
        throw new IllegalArgumentException(method + "(): expected a list, got " + typeName(o));
    }

    /**
     * {@code json.dumps(value, ensure_ascii=False, indent=indent)}: {@code ", "} and {@code ": "} between items
     * (with an indent, {@code ","} at line ends), non-ASCII kept, control characters escaped as Python does.
     */
    static String toJson(Object value, Integer indent) {
        StringBuilder out = new StringBuilder();
        writeJson(out, value, indent, 0);
        return out.toString();
    }

    private static void writeJson(StringBuilder out, Object v, Integer indent, int depth) {
        if (v == null) {
            out.append("null");
        } else if (v instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (v instanceof Double || v instanceof Float) {
            out.append(pythonFloat(((Number) v).doubleValue()));
        } else if (v instanceof Number n) {
            out.append(n.longValue());
        } else if (v instanceof CharSequence s) {
            quote(out, s.toString());
        } else if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                out.append("{}");
                return;
            }
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                separator(out, first, indent, depth + 1);
                first = false;
                quote(out, String.valueOf(e.getKey()));
                out.append(": ");
                writeJson(out, e.getValue(), indent, depth + 1);
            }
            close(out, indent, depth);
            out.append('}');
        } else if (v instanceof Iterable<?> list) {
            if (!list.iterator().hasNext()) {
                out.append("[]");
                return;
            }
            out.append('[');
            boolean first = true;
            for (Object o : list) {
                separator(out, first, indent, depth + 1);
                first = false;
                writeJson(out, o, indent, depth + 1);
            }
            close(out, indent, depth);
            out.append(']');
        } else {
            throw new IllegalArgumentException("tojson: " + typeName(v) + " is not JSON serialisable");
        }
    }

    private static void separator(StringBuilder out, boolean first, Integer indent, int depth) {
        if (indent == null) {
            if (!first) {
                out.append(", ");
            }
            return;
        }
        if (!first) {
            out.append(',');
        }
        out.append('\n').append(" ".repeat(indent * depth));
    }

    private static void close(StringBuilder out, Integer indent, int depth) {
        if (indent != null) {
            out.append('\n').append(" ".repeat(indent * depth));
        }
    }

    private static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Python's {@code repr} of a float for the common cases: {@code 1.0}, {@code 0.5}, {@code 1e-07}. */
    private static String pythonFloat(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e16) {
            return (long) d + ".0";
        }
        String s = Double.toString(d);
        int e = s.indexOf('E');
        if (e < 0) {
            return s;
        }
        String mantissa = s.substring(0, e).replaceAll("\\.0$", "");
        int exponent = Integer.parseInt(s.substring(e + 1));
        return mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
    }

    /** A deep copy holding only strings, numbers, booleans, null, maps (string keys) and lists. */
    static Object plain(Object v, String where) {
        if (v == null || v instanceof String || v instanceof Boolean) {
            return v;
        }
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof Double || v instanceof Float) {
            return ((Number) v).doubleValue();
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> {
                if (!(k instanceof String key)) {
                    throw new IllegalArgumentException(where + ": keys must be strings, got " + k);
                }
                out.put(key, plain(x, where + "." + key));
            });
            return out;
        }
        if (v instanceof Collection<?> c) {
            List<Object> out = new ArrayList<>(c.size());
            int i = 0;
            for (Object x : c) {
                out.add(plain(x, where + "[" + i++ + "]"));
            }
            return out;
        }
        throw new IllegalArgumentException(
                where + ": a chat template gets strings, numbers, booleans, lists and dicts, not " + v.getClass());
    }
}
