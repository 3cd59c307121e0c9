package redispark.verify;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the final answer in a model output.
 * <ol>
 * <li>A think block: only the text after the last {@code </think>} counts; an opened but unclosed
 * block means the model never answered.</li>
 * <li>The last {@code \boxed{...}} or {@code \fbox{...}} (brace-matched; {@code \boxed 5} too). A last
 * box that never closes is a truncated output: no answer.</li>
 * <li>An explicit "final answer is X" / "answer: X" / "#### X" after the last box (or anywhere, without a
 * box) is a candidate that overrides the box when it parses.</li>
 * <li>With nothing of the above, a short output that is itself just a math answer counts; optionally
 * (reward mode) the last number. Never when labelling: a truncated trace has no answer.</li>
 * </ol>
 */
final class Extractor {

    /** Only this much text after the last box / at the end is searched for answer phrases. */
    private static final int PHRASE_WINDOW = 4000;

    private static final int STANDALONE_MAX = 200;
    private static final int MAX_MERGED_BOXES = 16;
    private static final int MAX_BOX_SCAN = 5 * Normalizer.MAX_ANSWER_CHARS;
    /**
     * What may stand between boxes that together form one answer: spaces, commas, "and"/"or" (also in
     * \text{}), \quad and other spacing, and math delimiters ("\(\boxed{1}\) and \(\boxed{-2}\)").
     */
    private static final Pattern CONNECTOR = Pattern.compile("(?:[\\s$,;]|\\\\[()\\[\\]]|\\\\q?quad|\\\\[,;:! ]"
            + "|(?<![a-zA-Z])(?:and|or)(?![a-zA-Z])|\\\\text\\{\\s*(?:and|or|,)?\\s*\\})*");

    /** What must follow the word "answer" for it to introduce one: "answer is", "answer:", "**Answer:**". */
    private static final Pattern AFTER_ANSWER =
            Pattern.compile("(?i)(?:\\s*\\*\\*)?\\s*(?:is\\s*:?|:|=)\\s*(?:\\*\\*)?");

    private static final Pattern SENTENCE_END = Pattern.compile("\\.(\\s|$)");
    private static final String[] ANSWER_WORDS = {"answer", "Answer", "ANSWER"};
    private static final Pattern HOPE = Pattern.compile("(?i)\\.?\\s*I hope it is correct.*$", Pattern.DOTALL);
    private static final Pattern WORD = Pattern.compile("(?<![\\\\a-zA-Z])[a-zA-Z]{3,}");
    private static final Pattern MATH_WORD = Pattern.compile(
            "(?i)sqrt|sin|cos|tan|cot|sec|csc|log|exp|abs|pi|inf|infinity|arcsin|arccos|arctan|frac|and|or|text");
    private static final Pattern LEADING_WORD = Pattern.compile("([a-zA-Z]{2,})\\b");
    private static final Pattern LAST_NUMBER = Pattern.compile("-?\\d+(?:,\\d{3})*(?:\\.\\d+)?(?:/\\d+)?");

    /**
     * The extracted answer text plus an optional box candidate the phrase overrode; {@code severalBoxes}
     * when the box text joins several boxes (it is then the primary, or the fallback if a phrase won).
     */
    record Extraction(String primary, String fallback, boolean severalBoxes) {
        Extraction(String primary, String fallback) {
            this(primary, fallback, false);
        }
    }

    private Extractor() {}

    static Extraction extract(String output, boolean lastNumberFallback, Deadline deadline) {
        if (output == null || output.isBlank()) {
            return null;
        }
        String text = output;
        // Forward indexOf is vectorised; lastIndexOf is a plain loop: test presence first.
        int thinkEnd = text.indexOf("</think>") < 0 ? -1 : text.lastIndexOf("</think>");
        if (thinkEnd >= 0) {
            text = text.substring(thinkEnd + "</think>".length());
        } else if (text.contains("<think>")) {
            return null; // reasoning never finished
        }
        deadline.check();
        int box = lastBox(text);
        String boxed = null;
        boolean severalBoxes = false;
        int afterBox = 0;
        if (box >= 0) {
            int[] span = boxContent(text, box, deadline);
            if (span == null) {
                return null; // the last box never closes: truncated
            }
            boxed = text.substring(span[0], span[1]).strip();
            afterBox = span[2];
            String merged = withPrecedingBoxes(text, box, boxed, deadline);
            severalBoxes = merged != null;
            boxed = severalBoxes ? merged : boxed;
        }
        int windowStart = Math.max(afterBox, text.length() - PHRASE_WINDOW);
        String window = text.substring(windowStart);
        String phrase = lastPhrase(window, deadline);
        if (phrase == null || phrase.isEmpty() || phrase.startsWith("####")) {
            phrase = afterHashes(window); // "The answer is #### 18" too
        }
        if (boxed != null) {
            if (phrase != null && !phrase.isEmpty()) {
                return new Extraction(phrase, boxed, severalBoxes);
            }
            return boxed.isEmpty() ? null : new Extraction(boxed, null, severalBoxes);
        }
        if (phrase != null && !phrase.isEmpty()) {
            return new Extraction(phrase, null);
        }
        String standalone = standalone(text);
        if (standalone != null) {
            return new Extraction(standalone, null);
        }
        if (lastNumberFallback) {
            String tail = text.substring(Math.max(0, text.length() - PHRASE_WINDOW));
            Matcher m = LAST_NUMBER.matcher(tail);
            String last = null;
            while (m.find()) {
                last = m.group();
            }
            if (last != null) {
                return new Extraction(last, null);
            }
        }
        return null;
    }

    private static int lastBox(String text) {
        int b = text.indexOf("\\boxed") < 0 ? -1 : text.lastIndexOf("\\boxed");
        int f = text.indexOf("\\fbox") < 0 ? -1 : text.lastIndexOf("\\fbox");
        return Math.max(b, f);
    }

    private static int lastBoxBefore(String text, int end) {
        int b = text.lastIndexOf("\\boxed", end - 1);
        int f = text.lastIndexOf("\\fbox", end - 1);
        return Math.max(b, f);
    }

    /** True if the text right before {@code at} is a short connector preceded by a closing brace. */
    private static boolean closesJustBefore(String text, int at) {
        int from = Math.max(0, at - 40);
        int close = text.lastIndexOf('}', at - 1);
        return close >= from && CONNECTOR.matcher(text.substring(close + 1, at)).matches();
    }

    /**
     * "$\\boxed{2}$ and $\\boxed{3}$": boxes that end the output joined only by connectors are one
     * answer, the list "2, 3" (whether a list is right is then the gold's business). Null when the last
     * box stands alone.
     */
    private static String withPrecedingBoxes(String text, int lastBox, String content, Deadline deadline) {
        StringBuilder merged = null;
        int current = lastBox;
        for (int k = 0; k < MAX_MERGED_BOXES; k++) {
            if (!closesJustBefore(text, current)) {
                break; // cheap test first: most outputs have one final box
            }
            int prev = lastBoxBefore(text, current);
            if (prev < 0) {
                break;
            }
            int[] span = boxContent(text, prev, deadline);
            if (span == null
                    || span[2] > current
                    || !CONNECTOR.matcher(text.substring(span[2], current)).matches()) {
                break;
            }
            String c = text.substring(span[0], span[1]).strip();
            merged = merged == null
                    ? new StringBuilder(c).append(", ").append(content)
                    : new StringBuilder(c).append(", ").append(merged);
            current = prev;
        }
        return merged == null ? null : merged.toString();
    }

    /** {contentStart, contentEnd, indexAfterBox} for the box command at {@code at}, or null if open. */
    private static int[] boxContent(String text, int at, Deadline deadline) {
        int i = at + (text.startsWith("\\boxed", at) ? 6 : 5);
        while (i < text.length() && text.charAt(i) == ' ') {
            i++;
        }
        if (i >= text.length()) {
            return null;
        }
        if (text.charAt(i) == '{') {
            // No answer is longer than this: stop scanning (the content is then too long to read).
            int limit = Math.min(text.length(), i + MAX_BOX_SCAN);
            int close = matchBrace(text.substring(0, limit), i, deadline);
            if (close < 0 && limit < text.length()) {
                return new int[] {i + 1, limit, limit};
            }
            return close < 0 ? null : new int[] {i + 1, close, close + 1};
        }
        // "\boxed 5": one token up to whitespace or a math delimiter
        int j = i;
        while (j < text.length() && !Character.isWhitespace(text.charAt(j)) && text.charAt(j) != '$') {
            j++;
        }
        return j == i ? null : new int[] {i, j, j};
    }

    /** Index of the brace closing the one at {@code open}; escaped braces are skipped; -1 if none. */
    static int matchBrace(String s, int open, Deadline deadline) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return i;
            }
            if ((i & 0xFFFF) == 0) {
                deadline.check();
            }
        }
        return -1;
    }

    /** Text of the last "final answer is X" / "answer: X" in the window, or null. */
    private static String lastPhrase(String window, Deadline deadline) {
        // Scan occurrences of the word from the end; a regex over the whole window would cost far more.
        int best = -1;
        int bestEnd = -1;
        for (String word : ANSWER_WORDS) {
            int from = window.length();
            while (true) {
                int at = window.lastIndexOf(word, from - 1);
                if (at <= best) {
                    break;
                }
                if (at == 0 || !Character.isLetter(window.charAt(at - 1))) {
                    Matcher m = AFTER_ANSWER.matcher(window).region(at + word.length(), window.length());
                    if (m.lookingAt()) {
                        best = at;
                        bestEnd = m.end();
                        break;
                    }
                }
                from = at;
            }
        }
        deadline.check();
        return best < 0 ? null : delimited(window.substring(bestEnd));
    }

    /** GSM8K's final line "#### 18": the answer after the last "####", or null. */
    private static String afterHashes(String window) {
        int at = window.indexOf("####") < 0 ? -1 : window.lastIndexOf("####");
        return at < 0 ? null : delimited(window.substring(at + 4));
    }

    /** The answer right after a phrase: a $...$ / \(...\) / \[...\] span, or the rest of the line. */
    private static String delimited(String rest) {
        String r = rest.stripLeading();
        String[][] pairs = {{"$$", "$$"}, {"$", "$"}, {"\\(", "\\)"}, {"\\[", "\\]"}};
        for (String[] p : pairs) {
            if (r.startsWith(p[0])) {
                int close = r.indexOf(p[1], p[0].length());
                if (close > 0) {
                    return r.substring(p[0].length(), close).strip();
                }
            }
        }
        int nl = r.indexOf('\n');
        String line = nl >= 0 ? r.substring(0, nl) : r;
        line = HOPE.matcher(line).replaceAll("");
        // End of sentence: a period followed by a space (a decimal point is followed by a digit).
        Matcher sentence = SENTENCE_END.matcher(line);
        if (sentence.find()) {
            line = line.substring(0, sentence.start());
        }
        line = line.replace("**", "").replace("$", "").strip();
        // "the answer is not 6", "to answer: we need": a leading ordinary word means prose.
        Matcher first = LEADING_WORD.matcher(line);
        if (first.lookingAt() && !MATH_WORD.matcher(first.group(1)).matches()) {
            return "";
        }
        return line;
    }

    /** A short output that is nothing but an answer ("12", "$\frac{1}{2}$"); no prose. */
    private static String standalone(String text) {
        String t = text.strip();
        if (t.length() > STANDALONE_MAX || t.indexOf('\n') >= 0) {
            return null;
        }
        Matcher w = WORD.matcher(t);
        while (w.find()) {
            if (!MATH_WORD.matcher(w.group()).matches()) {
                return null;
            }
        }
        return t;
    }
}
