/**
 * Math answer verifier: pure Java, no Spark, no external CAS.
 *
 * <h2>Pipeline</h2>
 * <ol>
 * <li>{@link redispark.verify.Extractor}: the final answer of a model output (text after the last
 * {@code </think>}; an unclosed think block or an unclosed last box is no answer; last
 * {@code \boxed}/{@code \fbox}, with trailing boxes joined by "and"/","/{@code \quad} merged into a list; an
 * explicit "final answer is"/"answer:" or GSM8K's "#### 18" after the last box overrides it when it reads as an
 * answer; a short output that is only math counts; no "last number anywhere" fallback unless asked for).</li>
 * <li>{@link redispark.verify.Normalizer}: notation without value is removed (delimiters, spacing,
 * {@code \left/\right}, {@code \dfrac}, thousands separators, degrees, currency, trailing units and
 * description words, empty-set spellings).</li>
 * <li>{@link redispark.verify.AnswerParser} and {@link redispark.verify.LatexParser}: typed
 * {@link redispark.verify.Answer}s (number/expression, labelled value {@code x = 5}, equation or
 * inequality chain, tuple, unordered set/list, union of intervals, matrix, text, choice letter) over an
 * expression tree {@link redispark.verify.Node}. LaTeX and plain text ({@code pi/4}, {@code sqrt(2)}).</li>
 * <li>{@link redispark.verify.Equivalence}: the gold's type leads. Numbers exactly (BigInteger
 * rationals, complex too), irrational values at 50 digits with propagated error bounds
 * ({@link redispark.verify.Val}, {@link redispark.verify.BigMath}); decimals by the precision they were
 * written with ({@link redispark.verify.Tolerance}); expressions with variables at fixed pseudo-random
 * rational points (integers where factorials, binomials or floors need them); equations up to a
 * constant factor; inequalities against intervals; sets unordered, tuples ordered.</li>
 * </ol>
 *
 * <h2>Budget</h2>
 * Every call has a hard budget (default 50 ms) enforced by a cooperative {@link
 * redispark.verify.Deadline} checked in every loop, plus size caps (answer length, nesting depth,
 * exact-number bits, factorial and exponent sizes). The budget is the calling thread's CPU time, so
 * a busy machine does not turn answers into timeouts, with a hard wall-clock cap of three budgets
 * (150 ms by default) counted from the start of the call and never restarted: whatever the input, no
 * call computes past it ({@code timeout}).
 * {@code VerifyOptions.withWallClockBudget(true)} makes it a plain wall-clock budget instead. Nothing
 * spawns a thread. {@link redispark.verify.MathVerifier} pays class loading and one-time set-up in its static
 * initialiser, outside any budget.
 *
 * <h2>Decisions worth knowing</h2>
 * <ul>
 * <li>Percent: {@code X%} matches X and X/100 only if one side wrote the percent sign; 0.25 never
 * matches a gold of 25.</li>
 * <li>Degrees are dropped, never converted to radians ({@code 30^\circ} = 30).</li>
 * <li>{@code (a, b)} is a point or an open interval; it matches either, but never a set
 * {@code \{a, b\}} nor {@code [a, b]}.</li>
 * <li>A number in another base ({@code 204_5}) matches the same digits (bare or with the same base);
 * a prediction in a base compares by its value against a plain gold.</li>
 * <li>{@code e} is Euler's number and {@code i} the imaginary unit unless subscripted; variables are
 * case-sensitive; {@code f(x)}, {@code I(0)} with a simple argument are opaque function applications,
 * {@code n(n+1)} a product.</li>
 * <li>Decimal golds: see {@link redispark.verify.Tolerance#same}. A coarse gold such as "4.5" is
 * exact against irrational predictions.</li>
 * <li>Rounded decimals do not match an exact gold ({@code 12.57} is not {@code 4\pi}, {@code 3.14} not
 * {@code 22/7}) unless the question asks for rounding or {@link redispark.verify.VerifyOptions#approximate()}
 * is set; a fraction's decimal form with four significant digits is not a rounding.</li>
 * <li>Names: {@code AB = 4}, {@code (p, q) = (3, 2)}, {@code S_1:S_2 = 7:32} compare by value with bare values,
 * by name with the same names; a named or several-box list against a tuple compares in order, a bare
 * {@code -2, 1} is never the pair {@code (-2, 1)}.</li>
 * </ul>
 */
package redispark.verify;
