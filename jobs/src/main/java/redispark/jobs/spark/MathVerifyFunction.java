package redispark.jobs.spark;

import java.time.Duration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.api.java.UDF3;
import redispark.jobs.table.VerdictStruct;
import redispark.verify.MathVerifier;
import redispark.verify.Verdict;
import redispark.verify.VerifyOptions;

/**
 * The verifier as SQL functions returning {@code struct<correct: boolean, extracted: string, reason: string>}:
 * {@code math_verify(pred, gold)}, and {@code math_verify_question(pred, gold, problem)}, which also knows the
 * question (one that asks for rounding lets a rounded decimal match an exact gold).
 */
public final class MathVerifyFunction implements UDF2<String, String, Row>, UDF3<String, String, String, Row> {
    public static final String NAME = "math_verify";
    public static final String QUESTION_NAME = "math_verify_question";

    private final long budgetMillis;
    private final boolean approximate;

    public MathVerifyFunction(long budgetMillis) {
        this(budgetMillis, false);
    }

    /** @param approximate lenient decimals ({@link VerifyOptions#approximate()}) */
    public MathVerifyFunction(long budgetMillis, boolean approximate) {
        this.budgetMillis = budgetMillis;
        this.approximate = approximate;
    }

    /** Registers {@code math_verify} on the session with the given per-call time budget. */
    public static void register(SparkSession spark, long budgetMillis) {
        register(spark, budgetMillis, false);
    }

    /** Registers {@code math_verify} and {@code math_verify_question} on the session. */
    public static void register(SparkSession spark, long budgetMillis, boolean approximate) {
        MathVerifyFunction f = new MathVerifyFunction(budgetMillis, approximate);
        spark.udf().register(NAME, (UDF2<String, String, Row>) f, VerdictStruct.SCHEMA);
        spark.udf().register(QUESTION_NAME, (UDF3<String, String, String, Row>) f, VerdictStruct.SCHEMA);
    }

    @Override
    public Row call(String pred, String gold) {
        return call(pred, gold, null);
    }

    @Override
    public Row call(String pred, String gold, String problem) {
        VerifyOptions options = VerifyOptions.defaults()
                .withBudget(Duration.ofMillis(budgetMillis))
                .withApproximate(approximate);
        Verdict v = MathVerifier.verify(pred, gold, problem, options);
        return VerdictStruct.row(v.correct(), v.extracted(), v.reason().label());
    }
}
