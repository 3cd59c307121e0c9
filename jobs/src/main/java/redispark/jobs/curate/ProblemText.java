package redispark.jobs.curate;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * How curation reads a problem statement: NFKC, lower case, split into tokens — runs of letters and digits, and every
 * other visible character on its own (so {@code 7 + 3} and {@code 7 - 3} differ, and {@code 3+4} equals
 * {@code 3 + 4}). Exact dedup compares the tokens, near-dup dedup their n-grams, decontamination the n-grams of the
 * words only (letters and digits), which survive a change of LaTeX delimiters or punctuation.
 */
public final class ProblemText {
    private ProblemText() {}

    public static List<String> tokens(String text) {
        String s = Normalizer.normalize(text == null ? "" : text, Normalizer.Form.NFKC)
                .toLowerCase(java.util.Locale.ROOT);
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            int c = s.codePointAt(i);
            int width = Character.charCount(c);
            if (Character.isLetterOrDigit(c)) {
                int end = i + width;
                while (end < s.length() && Character.isLetterOrDigit(s.codePointAt(end))) {
                    end += Character.charCount(s.codePointAt(end));
                }
                out.add(s.substring(i, end));
                i = end;
            } else {
                if (!Character.isWhitespace(c) && !Character.isSpaceChar(c)) {
                    out.add(s.substring(i, i + width));
                }
                i += width;
            }
        }
        return out;
    }

    /** The letter-and-digit tokens only. */
    public static List<String> words(String text) {
        return tokens(text).stream()
                .filter(t -> Character.isLetterOrDigit(t.codePointAt(0)))
                .toList();
    }

    /** The tokens joined by single spaces: two problems are exact duplicates when this is equal. */
    public static String normalised(String text) {
        return String.join(" ", tokens(text));
    }

    /**
     * The distinct n-grams of {@code tokens}, each joined by a space, in first-seen order. A text shorter than
     * {@code n} tokens is one n-gram (itself), so short problems still compare; no tokens, no n-grams.
     */
    public static List<String> ngrams(List<String> tokens, int n) {
        if (tokens.isEmpty()) {
            return List.of();
        }
        if (tokens.size() <= n) {
            return List.of(String.join(" ", tokens));
        }
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (int i = 0; i + n <= tokens.size(); i++) {
            out.add(String.join(" ", tokens.subList(i, i + n)));
        }
        return new ArrayList<>(out);
    }
}
