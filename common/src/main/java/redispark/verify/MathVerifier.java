package redispark.verify;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Math answer verifier: extracts the final answer of a model output, reads it and the gold into typed
 * answers, and decides equivalence (see the package documentation for the rules). Pure functions, no
 * Spark, no threads, thread-safe; every call is bounded by a hard budget (a cooperative deadline plus
 * size caps) and never throws.
 *
 * <p>Reasons: {@code match} / {@code mismatch}; {@code no_answer} (blank output, unclosed think block
 * or box, nothing answer-like); {@code unparsable_gold} (blank or unreadable gold);
 * {@code unparsable_pred} (the extracted answer cannot be read, or an internal error, which is also
 * counted and logged); {@code timeout}. An unreadable side that is literally equal to the other
 * (after normalisation) still matches.
 *
 * <p>The gold may be a bare answer in LaTeX or plain text (no {@code $} needed), a whole solution (its
 * last box is used) or a GSM8K answer (text after {@code ####}). Parsed golds are cached.
 */
public final class MathVerifier {

    /** Bump when verdicts change; stored next to every label. */
    public static final String VERSION = "2";

    private static final int MAX_EXTRACTED_IN_VERDICT = 1000;
    private static final Pattern CHOICE_IN_TEXT =
            Pattern.compile("^\\s*(?:\\\\text(?:bf)?\\{\\s*)?\\(?\\s*([A-E])\\s*(?:\\)|\\}|$|[.:\\s])");
    private static final Pattern GSM8K_GOLD = Pattern.compile("####\\s*(.*)$", Pattern.DOTALL);

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MathVerifier.class);
    private static final int MAX_LOGGED_INTERNAL_ERRORS = 10;
    private static final java.util.concurrent.atomic.AtomicLong INTERNAL_ERRORS =
            new java.util.concurrent.atomic.AtomicLong();

    private MathVerifier() {}

    /** Verifications that ended in an unexpected exception (a bug); should stay 0. */
    static long internalErrors() {
        return INTERNAL_ERRORS.get();
    }

    /** Verifies with the default options (50 ms budget, labelling mode). */
    public static Verdict verify(String modelOutput, String gold) {
        return verify(modelOutput, gold, VerifyOptions.defaults());
    }

    public static Verdict verify(String modelOutput, String gold, VerifyOptions options) {
        return verify(modelOutput, gold, null, options);
    }

    /**
     * As {@link #verify(String, String, VerifyOptions)}, knowing the question: one that asks for
     * rounding ("to the nearest tenth", "two decimal places", "approximately") lets a rounded decimal
     * match an exact gold, as {@link VerifyOptions#approximate()} does for every question.
     *
     * @param problem the question text, or null
     */
    public static Verdict verify(String modelOutput, String gold, String problem, VerifyOptions options) {
        VerifyOptions opts = options == null ? VerifyOptions.defaults() : options;
        long budget = budgetNanos(opts);
        Deadline deadline = Deadline.after(budget, opts.wallClockBudget());
        boolean approximate = opts.approximate() || asksForRounding(problem);
        return verify(modelOutput, gold, opts, approximate, deadline);
    }

    /** Wording of a question that wants a rounded or approximate number. */
    private static final Pattern ROUNDING_REQUEST = Pattern.compile("(?i)\\b(?:round(?:ed|ing)?\\s+(?:to|off|up|down|"
            + "your|the|it|each|all)\\b|rounded\\b|nearest\\s+"
            + "(?:tenth|hundredth|thousandth|whole|integer|percent|cent|degree|dollar)|decimal\\s+places?|"
            + "significant\\s+(?:figures?|digits?)|approximate(?:ly)?\\b|as\\s+a\\s+decimal|estimate\\b)");

    static boolean asksForRounding(String problem) {
        return problem != null && ROUNDING_REQUEST.matcher(problem).find();
    }

    private static long budgetNanos(VerifyOptions opts) {
        try {
            return opts.budget().toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE; // a budget of centuries: no deadline
        }
    }

    private static Verdict verify(
            String modelOutput, String gold, VerifyOptions opts, boolean approximate, Deadline deadline) {
        String extracted = null;
        try {
            Extractor.Extraction ex = Extractor.extract(modelOutput, opts.lastNumberFallback(), deadline);
            if (ex == null) {
                return Verdict.of(Reason.NO_ANSWER, null);
            }
            extracted = ex.primary();
            if (gold == null || gold.isBlank()) {
                return Verdict.of(Reason.UNPARSABLE_GOLD, clip(extracted));
            }
            Answer g = cachedGold(gold, deadline);
            if (g == null) {
                return stringFallback(gold, extracted, Reason.UNPARSABLE_GOLD);
            }
            Answer p = null;
            String shown = null;
            try {
                shown = Normalizer.normalize(ex.primary());
                p = parsePrediction(ex.primary(), shown, g, deadline);
                if (ex.fallback() == null && ex.severalBoxes()) {
                    p = asBoxes(p);
                }
                if (ex.fallback() != null && p instanceof Answer.Text && !(g instanceof Answer.Text)) {
                    p = null; // "... so our answer is correct." after the box is prose, not an answer
                }
            } catch (ParseError | EvalError | ArithmeticException e) {
                if (ex.fallback() == null) {
                    return stringFallback(gold, extracted, Reason.UNPARSABLE_PRED);
                }
            }
            if (p == null) {
                extracted = ex.fallback();
                try {
                    shown = Normalizer.normalize(ex.fallback());
                    p = parsePrediction(ex.fallback(), shown, g, deadline);
                    if (ex.severalBoxes()) {
                        p = asBoxes(p);
                    }
                } catch (ParseError | EvalError | ArithmeticException e) {
                    return stringFallback(gold, extracted, Reason.UNPARSABLE_PRED);
                }
            }
            boolean same;
            try {
                same = new Equivalence(deadline, approximate).equal(g, p);
            } catch (EvalError | ArithmeticException e) {
                same = false;
            }
            return Verdict.of(same ? Reason.MATCH : Reason.MISMATCH, clip(shown));
        } catch (Deadline.Expired e) {
            return new Verdict(false, clip(extracted), Reason.TIMEOUT);
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            // Last resort: a bug or a resource limit must not take down the caller's job. Counted and
            // (a few times) logged, so it cannot hide.
            long n = INTERNAL_ERRORS.incrementAndGet();
            if (n <= MAX_LOGGED_INTERNAL_ERRORS) {
                LOG.warn(
                        "internal error #{} verifying (output {} chars, gold {})",
                        n,
                        modelOutput == null ? 0 : modelOutput.length(),
                        clip(gold),
                        e);
            }
            return new Verdict(false, clip(extracted), Reason.UNPARSABLE_PRED);
        }
    }

    /** Parses a gold answer as {@link #verify} does (no budget); throws {@link ParseError} if unreadable. */
    static Answer parseGold(String gold) {
        return AnswerParser.parse(goldAnswerText(gold), Deadline.NONE);
    }

    /** A gold may arrive as a whole solution (last box) or a GSM8K answer ("... #### 18"). */
    private static String goldAnswerText(String gold) {
        if (gold.contains("\\boxed") || gold.contains("\\fbox")) {
            Extractor.Extraction ex = Extractor.extract(gold, false, Deadline.NONE);
            if (ex != null) {
                return ex.fallback() != null ? ex.fallback() : ex.primary();
            }
        }
        Matcher m = GSM8K_GOLD.matcher(gold);
        if (gold.contains("####") && m.find()) {
            return m.group(1).strip();
        }
        return gold;
    }

    /** A list read from several boxes: compared in order against a tuple gold. */
    private static Answer asBoxes(Answer p) {
        return p instanceof Answer.SetOf set && set.form() == Answer.Form.LIST
                ? new Answer.SetOf(set.items(), Answer.Form.BOXES)
                : p;
    }

    /** Against a choice gold, "(C) 12", "\\text{(C)}" and "C." are the letter C. */
    private static Answer parsePrediction(String raw, String normalized, Answer gold, Deadline deadline) {
        if (gold instanceof Answer.Choice) {
            Matcher m = CHOICE_IN_TEXT.matcher(raw.replace("$", ""));
            if (m.find()) {
                return new Answer.Choice(m.group(1).charAt(0));
            }
        }
        return AnswerParser.parseNormalized(normalized, deadline);
    }

    // ------------------------------------------------------------------ gold cache

    /*
     * Parsed golds, shared across threads: a pipeline verifies many samples of the same problem, and
     * typed answers are immutable. Unreadable golds are cached too (as UNREADABLE); a gold whose parse
     * ran out of budget is not. Bounded by clearing when full (cheap, and golds recur).
     */
    private static final int GOLD_CACHE_MAX = 8192;
    private static final int GOLD_KEY_MAX_CHARS = 20_000;
    private static final Object UNREADABLE = new Object();
    private static final java.util.concurrent.ConcurrentHashMap<String, Object> GOLD_CACHE =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static Answer cachedGold(String gold, Deadline deadline) {
        Object hit = GOLD_CACHE.get(gold);
        if (hit == null) {
            try {
                hit = AnswerParser.parse(goldAnswerText(gold), deadline);
            } catch (ParseError | EvalError | ArithmeticException e) {
                hit = UNREADABLE;
            }
            if (gold.length() <= GOLD_KEY_MAX_CHARS) {
                if (GOLD_CACHE.size() >= GOLD_CACHE_MAX) {
                    GOLD_CACHE.clear();
                }
                GOLD_CACHE.put(gold, hit);
            }
        }
        return hit == UNREADABLE ? null : (Answer) hit;
    }

    private static Verdict stringFallback(String gold, String pred, Reason reason) {
        // Unreadable but literally the same (after normalisation) is still the same answer.
        try {
            String a = Normalizer.normalize(goldAnswerText(gold)).replace(" ", "");
            String b = Normalizer.normalize(pred).replace(" ", "");
            if (!a.isEmpty() && a.equals(b)) {
                return Verdict.of(Reason.MATCH, clip(b));
            }
        } catch (ParseError e) {
            // fall through
        }
        return Verdict.of(reason, clip(normalizedOrRaw(pred)));
    }

    private static String normalizedOrRaw(String s) {
        try {
            return Normalizer.normalize(s);
        } catch (ParseError e) {
            return s;
        }
    }

    private static String clip(String s) {
        if (s == null || s.length() <= MAX_EXTRACTED_IN_VERDICT) {
            return s;
        }
        return s.substring(0, MAX_EXTRACTED_IN_VERDICT);
    }

    // Must stay the last member: static initialisers run in textual order, and the warm-up needs every
    // static field above (the gold cache in particular) to be initialised.
    static {
        // Class loading, constant set-up (pi, ln 10, ~60 regexes) and the invokedynamic bootstrap of
        // each record's equals take ~200 ms in a fresh JVM. Pay it here, outside any budget, on samples
        // that touch every answer type and evaluator path, so no real verification is a cold timeout.
        VerifyOptions warm = VerifyOptions.defaults().withBudget(java.time.Duration.ofSeconds(10));
        for (String[] sample : WarmUp.SAMPLES) {
            verify(sample[0], sample[1], warm);
        }
        // One long output gets the character-scanning loops compiled (an interpreted scan of a
        // megabyte costs tens of milliseconds).
        String longOutput = "<think>" + "Let x = 2. ".repeat(30_000) + "</think> so \\boxed{" + "9".repeat(30_000);
        verify(longOutput, "5", warm);
        verify(longOutput + "}", "5", warm);
    }
}
