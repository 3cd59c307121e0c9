package redispark.jobs.stages;

import static org.apache.spark.sql.functions.call_function;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;
import static redispark.jobs.table.LabeledTracesTable.CORRECT;
import static redispark.jobs.table.LabeledTracesTable.REASON;

import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import redispark.jobs.spark.MathVerifyFunction;
import redispark.jobs.table.LabeledTracesTable;
import redispark.jobs.table.RejectsTable;
import redispark.jobs.table.TracesTable;
import redispark.jobs.table.VerdictStruct;
import redispark.verify.MathVerifier;

/**
 * {@code redi label}: adds the verifier's verdict to every trace — {@code correct}, {@code extracted},
 * {@code reason}, {@code verifier_version} — through the {@code math_verify} SQL function. A trace with no text (a
 * failed teacher request) cannot be labelled: it goes to {@code rejects/stage=label}, so traces = labeled + rejects.
 * With {@code label.dataset-labels} the labels an imported dataset brings (OpenR1's) are combined with the verdict.
 */
public final class LabelStage implements Stage {
    public static final String TEACHER_ERROR = "teacher_error";
    public static final String NO_TEXT = "no_text";
    /** The verifier said correct but a dataset label said incorrect ({@code label.dataset-labels = and}). */
    public static final String DATASET_INCORRECT = "dataset_label_incorrect";
    /** The verdict is the dataset's own ({@code label.dataset-labels = only}). */
    public static final String DATASET_CORRECT = "dataset_label_correct";

    @Override
    public String name() {
        return "label";
    }

    @Override
    public List<String> configPaths() {
        return List.of("label", "verify");
    }

    @Override
    public List<String> inputs() {
        return List.of(TracesTable.NAME);
    }

    @Override
    public List<String> outputs() {
        return List.of(LabeledTracesTable.NAME);
    }

    @Override
    public StageOutcome run(StageContext context) {
        String datasetLabels = context.config().getString("label.dataset-labels");
        MathVerifyFunction.register(
                context.spark(),
                context.config().getLong("label.budget-ms"),
                context.config().raw().getBoolean("verify.approximate"));
        Dataset<Row> traces = context.run().readTable(context.spark(), TracesTable.NAME, "generate");
        Column text = col(TracesTable.TEXT);
        Column rejectReason = when(col(TracesTable.ERROR).isNotNull(), lit(TEACHER_ERROR))
                .when(text.isNull().or(trim(text).equalTo("")), lit(NO_TEXT))
                .otherwise(lit(null).cast(DataTypes.StringType));
        Dataset<Row> checked = traces.withColumn("reject_reason", rejectReason);
        Dataset<Row> verified = checked.filter(col("reject_reason").isNull())
                .drop("reject_reason")
                .withColumn(
                        "verdict",
                        call_function(
                                MathVerifyFunction.QUESTION_NAME,
                                text,
                                col(TracesTable.GOLD),
                                col(TracesTable.PROBLEM)))
                .withColumn(LabeledTracesTable.CORRECT, col("verdict").getField(VerdictStruct.CORRECT))
                .withColumn(LabeledTracesTable.EXTRACTED, col("verdict").getField(VerdictStruct.EXTRACTED))
                .withColumn(LabeledTracesTable.REASON, col("verdict").getField(VerdictStruct.REASON))
                .withColumn(LabeledTracesTable.VERIFIER_VERSION, lit(MathVerifier.VERSION))
                .drop("verdict");
        long rows = context.run().writeTable(withDatasetLabels(verified, datasetLabels), LabeledTracesTable.NAME);
        long correct = context.run()
                .readTable(context.spark(), LabeledTracesTable.NAME, "label")
                .filter(col(LabeledTracesTable.CORRECT))
                .count();
        Dataset<Row> rejects = checked.filter(col("reject_reason").isNotNull())
                .select(
                        lit(name()).as(RejectsTable.STAGE),
                        col("reject_reason").as(RejectsTable.REASON),
                        col(TracesTable.PROBLEM_ID).as(RejectsTable.PROBLEM_ID),
                        col(TracesTable.SAMPLE_IDX).as(RejectsTable.SAMPLE_IDX),
                        col(TracesTable.ERROR).as(RejectsTable.DETAIL));
        Map<String, Long> rejected = context.run().writeRejects(name(), rejects);
        return StageOutcome.of(Map.of(LabeledTracesTable.NAME, rows, "labeled_correct", correct), rejected);
    }

    /**
     * {@code ignore}: the verifier alone. {@code and}: correct only when the verifier and every label the dataset
     * gives agree (OpenR1's math-verify and Llama labels; a missing label does not count). {@code only}: the
     * dataset's labels alone where it has any (the paper's rule: math-verify AND Llama), the verifier elsewhere.
     */
    static Dataset<Row> withDatasetLabels(Dataset<Row> labeled, String policy) {
        Column mathVerify = col(TracesTable.OPENR1_MATH_VERIFY);
        Column llama = col(TracesTable.OPENR1_LLAMA);
        Column datasetSaysCorrect = coalesce(mathVerify, lit(true)).and(coalesce(llama, lit(true)));
        Column hasDatasetLabel = mathVerify.isNotNull().or(llama.isNotNull());
        return switch (policy) {
            case "ignore" -> labeled;
            case "and" ->
                labeled.withColumn(
                                REASON,
                                when(col(CORRECT).and(datasetSaysCorrect.equalTo(false)), lit(DATASET_INCORRECT))
                                        .otherwise(col(REASON)))
                        .withColumn(CORRECT, col(CORRECT).and(datasetSaysCorrect));
            case "only" ->
                labeled.withColumn(
                                REASON,
                                when(
                                                hasDatasetLabel,
                                                when(datasetSaysCorrect, lit(DATASET_CORRECT))
                                                        .otherwise(lit(DATASET_INCORRECT)))
                                        .otherwise(col(REASON)))
                        .withColumn(
                                CORRECT,
                                when(hasDatasetLabel, datasetSaysCorrect).otherwise(col(CORRECT)));
            default ->
                throw new IllegalArgumentException(
                        "label.dataset-labels: unknown policy '" + policy + "' (expected ignore, and or only)");
        };
    }
}
