package redispark.jobs.stages;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import redispark.jobs.run.HadoopFiles;
import redispark.jobs.spark.SparkSchemas;
import redispark.text.ChatTemplate;
import redispark.text.TextTokenizer;

/**
 * {@code redi split}: labelled traces → {@code positives} (verified correct and finished), {@code negatives}
 * (verified incorrect), {@code pairs} (one correct and one incorrect trace of the same problem) and {@code rejects}.
 * Token lengths are those of the student's tokenizer after the chat template; a trace whose prompt + completion is
 * over {@code train.max-seq-len} is rejected, never truncated. Every labelled row ends in exactly one of positives,
 * negatives or rejects.
 */
public final class SplitStage implements Stage {

    @Override
    public String name() {
        return "split";
    }

    @Override
    public List<String> configPaths() {
        return List.of("split", "student", "train.max-seq-len");
    }

    @Override
    public List<String> inputs() {
        return List.of("labeled");
    }

    @Override
    public List<String> outputs() {
        return List.of("positives", "negatives", "pairs", StudentBase.DIR);
    }

    @Override
    public StageOutcome run(StageContext context) {
        Dataset<Row> labeled = context.run().readTable(context.spark(), "labeled", "label");
        String baseUri = StudentBase.ensure(context);
        int maxSeqLen = context.config().getInt("train.max-seq-len");
        String policy = context.config().getString("split.sft-selection");
        String pairPolicy = context.config().getString("split.pair-selection");
        int k = context.config().getInt("split.k");

        Dataset<Row> measured = withTokenLengths(labeled, context.run().files(), baseUri);
        Column rejectReason = when(col("error").isNotNull(), lit("teacher_error"))
                .when(col("text").isNull(), lit("no_text"))
                .when(col("prompt_tokens").plus(col("completion_tokens")).gt(maxSeqLen), lit("too_long"))
                .when(col("correct").and(col("finish_reason").notEqual("stop")), lit("truncated_but_correct"))
                .otherwise(lit(null).cast(DataTypes.StringType));
        Dataset<Row> classified = measured.withColumn("reject_reason", rejectReason).cache();
        try {
            Dataset<Row> kept = classified.filter(col("reject_reason").isNull());
            WindowSpec byProblem = Window.partitionBy("problem_id").orderBy("sample_idx");
            Dataset<Row> positives = select(kept.filter(col("correct")))
                    .withColumn("rank_in_problem", row_number().over(byProblem).minus(1))
                    .withColumn("selected", selection(policy, k))
                    .drop("rank_in_problem");
            Dataset<Row> negatives = select(kept.filter(col("correct").equalTo(false)));

            Map<String, Long> rows = new LinkedHashMap<>();
            rows.put("positives", context.run().writeTable(positives, "positives"));
            rows.put("negatives", context.run().writeTable(negatives, "negatives"));
            rows.put("pairs", context.run().writeTable(pairs(
                    context.run().readTable(context.spark(), "positives", "split"),
                    context.run().readTable(context.spark(), "negatives", "split"), pairPolicy, k), "pairs"));

            Dataset<Row> rejects = classified.filter(col("reject_reason").isNotNull()).select(
                    lit(name()).as("stage"), col("reject_reason").as("reason"), col("problem_id"),
                    col("sample_idx"), col("error").as("detail"));
            Map<String, Long> rejected = context.run().writeRejects(name(),
                    context.spark().createDataFrame(rejects.toJavaRDD(), SparkSchemas.REJECTS));
            return StageOutcome.of(rows, rejected);
        } finally {
            classified.unpersist();
        }
    }

    private static Column selection(String policy, int k) {
        return switch (policy) {
            case "first-correct" -> col("rank_in_problem").equalTo(0);
            case "all-correct" -> lit(true);
            case "up-to-k" -> col("rank_in_problem").lt(k);
            default -> throw new IllegalArgumentException("split.sft-selection: unknown policy '" + policy
                    + "' (expected first-correct, all-correct or up-to-k)");
        };
    }

    private static Dataset<Row> select(Dataset<Row> traces) {
        return traces.select(col("problem_id"), col("sample_idx"), col("problem").as("prompt"),
                col("text").as("completion"), col("prompt_tokens"), col("completion_tokens"), col("source"),
                col("difficulty"));
    }

    /** One row per (chosen, rejected) of the same problem, per the pair policy. */
    static Dataset<Row> pairs(Dataset<Row> positives, Dataset<Row> negatives, String policy, int k) {
        WindowSpec byProblem = Window.partitionBy("problem_id").orderBy("sample_idx");
        Dataset<Row> chosen = positives.withColumn("r", row_number().over(byProblem)).select(
                col("problem_id"), col("prompt"), col("r").as("cr"), col("sample_idx").as("chosen_idx"),
                col("completion").as("chosen"), col("completion_tokens").as("chosen_tokens"),
                col("prompt_tokens"));
        Dataset<Row> rejected = negatives.withColumn("r", row_number().over(byProblem)).select(
                col("problem_id").as("rp"), col("r").as("rr"), col("sample_idx").as("rejected_idx"),
                col("completion").as("rejected"), col("completion_tokens").as("rejected_tokens"));
        Column join = chosen.col("problem_id").equalTo(rejected.col("rp"));
        Dataset<Row> all = chosen.join(rejected, join);
        Dataset<Row> picked = switch (policy) {
            case "first-pair" -> all.filter(col("cr").equalTo(1).and(col("rr").equalTo(1)));
            case "all-pairs-up-to-k" -> all.withColumn("pr", row_number().over(
                    Window.partitionBy("problem_id").orderBy("cr", "rr"))).filter(col("pr").leq(k)).drop("pr");
            default -> throw new IllegalArgumentException("split.pair-selection: unknown policy '" + policy
                    + "' (expected first-pair or all-pairs-up-to-k)");
        };
        return picked.select("problem_id", "prompt", "chosen", "rejected", "chosen_idx", "rejected_idx",
                "prompt_tokens", "chosen_tokens", "rejected_tokens");
    }

    /** Adds {@code prompt_tokens} and {@code completion_tokens} measured with the student's tokenizer + template. */
    private static Dataset<Row> withTokenLengths(Dataset<Row> labeled, HadoopFiles files, String baseUri) {
        Dataset<Row> input = labeled.drop("prompt_tokens", "completion_tokens");
        StructType outSchema = input.schema().add("prompt_tokens", DataTypes.IntegerType, false)
                .add("completion_tokens", DataTypes.IntegerType, false);
        int problemCol = input.schema().fieldIndex("problem");
        int textCol = input.schema().fieldIndex("text");
        MapPartitionsFunction<Row, Row> measure = rows -> {
            Path dir = files.localDirectory(baseUri);
            List<Row> out = new ArrayList<>();
            try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
                ChatTemplate template = ChatTemplate.load(dir);
                while (rows.hasNext()) {
                    Row r = rows.next();
                    String text = r.isNullAt(textCol) ? "" : r.getString(textCol);
                    int promptTokens = tokenizer.encode(template.prompt(r.getString(problemCol))).length;
                    int completionTokens = tokenizer.encode(template.completion(text)).length;
                    Object[] values = new Object[r.size() + 2];
                    for (int i = 0; i < r.size(); i++) {
                        values[i] = r.get(i);
                    }
                    values[r.size()] = promptTokens;
                    values[r.size() + 1] = completionTokens;
                    out.add(RowFactory.create(values));
                }
            }
            return out.iterator();
        };
        return input.mapPartitions(measure, Encoders.row(outSchema));
    }
}
