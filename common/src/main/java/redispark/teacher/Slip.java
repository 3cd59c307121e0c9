package redispark.teacher;

/** The kinds of mistakes the {@link BuiltInTeacher} makes (visible in {@link SampleTrace}). */
public enum Slip {
    /** A digit-place error: the result is off by a power of ten ({@code 23 + 48 = 61}). */
    CARRY,
    /** A sign error: wrong operator when moving a term, or a dropped minus on the result. */
    SIGN,
    /** The result is off by one ({@code 12 * 3 = 37}). */
    OFF_BY_ONE,
    /** One term of a sum is silently left out. */
    DROPPED_TERM,
    /** A fraction is reduced wrongly ({@code 20/12 = 5/6}). */
    WRONG_REDUCTION,
    /** One numerator is not scaled to the common denominator ({@code 3/4 + 5/6 = 3/12 + 10/12}). */
    COMMON_DENOMINATOR,
    /** An index is off by one ({@code a_20 = 3 + 20 * 4} instead of {@code 19 * 4}). */
    INDEX,
    /**
     * A result a few units off ({@code 16 + 4 = 21}, {@code 11 - 6 = 3}) or a neighbouring entry of
     * the times table ({@code 6 * 4 = 30}): the mistakes of a model that half-knows its facts.
     */
    NEAR_MISS,
    /** An operand copied wrongly from the problem ({@code Compute 7 * 4 - 2.} solved as {@code 7 * 5}). */
    MISCOPY
}
