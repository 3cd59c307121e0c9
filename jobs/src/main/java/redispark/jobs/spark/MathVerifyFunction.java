package redispark.jobs.spark;

import java.time.Duration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF2;
import redispark.jobs.table.VerdictStruct;
import redispark.verify.MathVerifier;
import redispark.verify.Verdict;
import redispark.verify.VerifyOptions;

/**
 * The verifier as a SQL function: {@code math_verify(pred, gold)} returns a {@link VerdictStruct}.
 */
public final class MathVerifyFunction implements UDF2<String, String, Row> {
    public static final String NAME = "math_verify";

    private final long budgetMillis;

    public MathVerifyFunction(long budgetMillis) {
        this.budgetMillis = budgetMillis;
    }

    /** Registers {@code math_verify} on the session with the given per-call time budget. */
    public static void register(SparkSession spark, long budgetMillis) {
        spark.udf().register(NAME, new MathVerifyFunction(budgetMillis), VerdictStruct.SCHEMA);
    }

    @Override
    public Row call(String pred, String gold) {
        VerifyOptions options = VerifyOptions.defaults().withBudget(Duration.ofMillis(budgetMillis));
        Verdict v = MathVerifier.verify(pred, gold, options);
        return VerdictStruct.row(v.correct(), v.extracted(), v.reason().label());
    }
}
