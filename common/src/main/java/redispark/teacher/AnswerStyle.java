package redispark.teacher;

/**
 * How the final line writes the answer. All styles are mathematically equivalent to the canonical
 * {@link #BOXED} form; a verifier must accept all of them.
 */
public enum AnswerStyle {
    /** {@code The final answer is \boxed{\frac{3}{4}}.} (canonical) */
    BOXED,
    /** {@code The final answer is \boxed{\dfrac{3}{4}}.} (non-integer answers) */
    DFRAC,
    /** {@code The final answer is \boxed{0.75}.} (terminating non-integer answers, at most 4 places) */
    DECIMAL,
    /** {@code The final answer is \boxed{x = 5}.} (linear equations) */
    EQUATION,
    /** {@code The final answer is \boxed 5} (single-digit non-negative integers; no trailing period) */
    BARE_BOXED,
    /** {@code The final answer is $\boxed{56}$.} */
    DOLLARS
}
