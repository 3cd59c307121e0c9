package redispark.jobs.stages;

import static org.apache.spark.sql.functions.call_function;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import redispark.jobs.spark.MathVerifyFunction;
import redispark.verify.MathVerifier;

/**
 * {@code redi label}: adds the verifier's verdict to every trace — {@code correct}, {@code extracted},
 * {@code reason}, {@code verifier_version} — through the {@code math_verify} SQL function.
 */
public final class LabelStage implements Stage {

    @Override
    public String name() {
        return "label";
    }

    @Override
    public List<String> configPaths() {
        return List.of("label");
    }

    @Override
    public List<String> inputs() {
        return List.of("traces");
    }

    @Override
    public List<String> outputs() {
        return List.of("labeled");
    }

    @Override
    public StageOutcome run(StageContext context) {
        MathVerifyFunction.register(context.spark(), context.config().getLong("label.budget-ms"));
        Dataset<Row> traces = context.run().readTable(context.spark(), "traces", "generate");
        Dataset<Row> labeled = traces
                .withColumn("verdict", call_function(MathVerifyFunction.NAME, col("text"), col("gold")))
                .withColumn("correct", col("verdict.correct"))
                .withColumn("extracted", col("verdict.extracted"))
                .withColumn("reason", col("verdict.reason"))
                .withColumn("verifier_version", lit(MathVerifier.VERSION))
                .drop("verdict");
        long rows = context.run().writeTable(labeled, "labeled");
        long correct = context.run().readTable(context.spark(), "labeled", "label").filter(col("correct")).count();
        return StageOutcome.of(Map.of("labeled", rows, "labeled_correct", correct), Map.of());
    }
}
