package redispark.teacher;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Test-side reading of reasoning lines such as {@code 23 + 45 = 68} or {@code 3x = 20 - 5 = 15}. */
final class TraceLines {

    private static final String VALUE = "\\(?-?\\d+(?:/\\d+)?\\)?";
    private static final Pattern BINARY = Pattern.compile("(" + VALUE + ") ([-+*/]) (" + VALUE + ")");

    private TraceLines() {}

    /** The reasoning lines between {@code <think>\n} and {@code \n</think>}. */
    static List<String> thinking(String text) {
        int start = text.indexOf("<think>\n") + "<think>\n".length();
        int end = text.indexOf("</think>");
        String body = text.substring(start, end < 0 ? text.length() : end);
        List<String> lines = new ArrayList<>();
        for (String l : body.split("\n")) {
            if (!l.isEmpty()) {
                lines.add(l);
            }
        }
        return lines;
    }

    /**
     * Checks every adjacent pair {@code lhs = rhs} of a line where both sides are numbers or binary
     * operations on numbers; returns one boolean per checked pair.
     */
    static List<Boolean> check(String line) {
        String[] parts = line.split(" = ");
        List<Boolean> out = new ArrayList<>();
        for (int i = 0; i + 1 < parts.length; i++) {
            Frac left = value(parts[i]);
            Frac right = value(parts[i + 1]);
            if (left != null && right != null) {
                out.add(left.equals(right));
            }
        }
        return out;
    }

    /** The value after the last {@code " = "} of a computation line. */
    static Frac lastResult(String line) {
        return Frac.plain(line.substring(line.lastIndexOf(" = ") + 3));
    }

    private static Frac value(String s) {
        Frac plain = Frac.plain(s);
        if (plain != null) {
            return plain;
        }
        Matcher m = BINARY.matcher(s);
        if (!m.matches()) {
            return null;
        }
        Frac a = Frac.plain(m.group(1));
        Frac b = Frac.plain(m.group(3));
        return switch (m.group(2)) {
            case "+" -> a.plus(b);
            case "-" -> a.minus(b);
            case "*" -> a.times(b);
            default -> a.over(b);
        };
    }
}
