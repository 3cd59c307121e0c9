package redispark.jobs.stages;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.format_string;
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
import redispark.jobs.config.ConfigError;
import redispark.jobs.curate.CurationSettings;
import redispark.jobs.curate.CurationStats;
import redispark.jobs.curate.ProblemCuration;
import redispark.jobs.run.HadoopFiles;
import redispark.jobs.run.RunDir;
import redispark.jobs.spark.SparkSchemas;
import redispark.text.ChatTemplate;
import redispark.text.TextTokenizer;
import redispark.train.Admission;
import redispark.train.Rejects;

/**
 * {@code redi split}: labelled traces → {@code positives} (verified correct and finished), {@code negatives}
 * (verified incorrect), {@code pairs} (one correct and one incorrect trace of the same problem) and {@code rejects}.
 * Problems that overlap a benchmark or duplicate another problem are removed first ({@link ProblemCuration}). Token
 * lengths are those training sees ({@link Admission#tokenize}: chat template, EOS); a trace over the prompt,
 * response or {@code train.max-seq-len} limits is rejected, never truncated. Every labelled row ends in exactly one
 * of positives, negatives or rejects; curation figures go to the manifest ({@link CurationStats}).
 */
public final class SplitStage implements Stage {
    /** A correct answer in a trace that did not finish (finish_reason other than stop): never a positive. */
    public static final String TRUNCATED_BUT_CORRECT = "truncated_but_correct";
    /** A trace cut at the token limit, when {@code split.truncated-negatives} is false. */
    public static final String TRUNCATED = "truncated";

    public static final String PROMPT_TOO_LONG = "prompt_too_long";
    public static final String RESPONSE_TOO_LONG = "response_too_long";

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
        RunDir run = context.run();
        Dataset<Row> labeled = run.readTable(context.spark(), "labeled", "label");
        String baseUri = StudentBase.ensure(context);
        int maxSeqLen = context.config().getInt("train.max-seq-len");
        int maxPrompt = context.config().getInt("split.max-prompt-tokens");
        int maxResponse = context.config().getInt("split.max-response-tokens");
        boolean truncatedNegatives = context.config().raw().getBoolean("split.truncated-negatives");
        String policy = context.config().getString("split.sft-selection");
        String pairPolicy = context.config().getString("split.pair-selection");
        int k = context.config().getInt("split.k");
        Column selected = selection(policy, k); // checked before any work, like the pair policy
        checkPairPolicy(pairPolicy);

        Dataset<Row> problems =
                labeled.select("problem_id", "problem").distinct().cache();
        ProblemCuration.Result curation =
                ProblemCuration.run(context.spark(), problems, CurationSettings.from(context.config()), run.files());
        Dataset<Row> removed = curation.removed();
        Dataset<Row> measured = withTokenLengths(labeled, run.files(), baseUri)
                .join(
                        removed.select(
                                col("problem_id"),
                                col("reason").as("problem_reason"),
                                col("detail").as("problem_detail")),
                        "problem_id",
                        "left");
        Column truncated = col("finish_reason").equalTo("length");
        Column rejectReason = when(col("problem_reason").isNotNull(), col("problem_reason"))
                .when(col("admission_reason").isNotNull(), col("admission_reason"))
                .when(col("correct").and(col("finish_reason").notEqual("stop")), lit(TRUNCATED_BUT_CORRECT))
                .when(truncated.and(lit(!truncatedNegatives)), lit(TRUNCATED))
                .when(col("prompt_tokens").gt(maxPrompt), lit(PROMPT_TOO_LONG))
                .when(col("completion_tokens").gt(maxResponse), lit(RESPONSE_TOO_LONG))
                .when(col("prompt_tokens").plus(col("completion_tokens")).gt(maxSeqLen), lit(Rejects.TOO_LONG))
                .otherwise(lit(null).cast(DataTypes.StringType));
        Dataset<Row> classified =
                measured.withColumn("reject_reason", rejectReason).cache();
        try {
            Dataset<Row> kept = classified.filter(col("reject_reason").isNull());
            WindowSpec byProblem = Window.partitionBy("problem_id").orderBy("sample_idx");
            Dataset<Row> positives = select(kept.filter(col("correct")))
                    .withColumn("rank_in_problem", row_number().over(byProblem).minus(1))
                    .withColumn("selected", selected)
                    .drop("rank_in_problem");
            Dataset<Row> negatives = select(kept.filter(col("correct").equalTo(false)));

            Map<String, Long> rows = new LinkedHashMap<>();
            rows.put("positives", run.writeTable(positives, "positives"));
            rows.put("negatives", run.writeTable(negatives, "negatives"));
            Dataset<Row> writtenPositives = run.readTable(context.spark(), "positives", "split");
            Dataset<Row> writtenNegatives = run.readTable(context.spark(), "negatives", "split");
            rows.put("pairs", run.writeTable(pairs(writtenPositives, writtenNegatives, pairPolicy, k), "pairs"));

            Column lengths = format_string(
                    "prompt_tokens=%d completion_tokens=%d", col("prompt_tokens"), col("completion_tokens"));
            Dataset<Row> rejects = classified
                    .filter(col("reject_reason").isNotNull())
                    .select(
                            lit(name()).as("stage"),
                            col("reject_reason").as("reason"),
                            col("problem_id"),
                            col("sample_idx"),
                            coalesce(
                                            col("problem_detail"),
                                            when(col("prompt_tokens").isNotNull(), lengths))
                                    .as("detail"));
            Map<String, Long> rejected = run.writeRejects(
                    name(), context.spark().createDataFrame(rejects.toJavaRDD(), SparkSchemas.REJECTS));
            Map<String, Object> stats = new LinkedHashMap<>(curation.stats());
            stats.putAll(CurationStats.of(labeled, problems.count(), removed, writtenPositives, writtenNegatives));
            return StageOutcome.of(rows, rejected).withStats(stats, curation.notes());
        } finally {
            classified.unpersist();
            removed.unpersist();
            problems.unpersist();
        }
    }

    private static Column selection(String policy, int k) {
        return switch (policy) {
            case "first-correct" -> col("rank_in_problem").equalTo(0);
            case "all-correct" -> lit(true);
            case "up-to-k" -> col("rank_in_problem").lt(k);
            default ->
                throw new ConfigError("split.sft-selection: unknown policy '" + policy
                        + "' (expected first-correct, all-correct or up-to-k)");
        };
    }

    private static void checkPairPolicy(String policy) {
        if (!policy.equals("first-pair") && !policy.equals("all-pairs-up-to-k")) {
            throw unknownPairPolicy(policy);
        }
    }

    private static IllegalArgumentException unknownPairPolicy(String policy) {
        return new ConfigError(
                "split.pair-selection: unknown policy '" + policy + "' (expected first-pair or all-pairs-up-to-k)");
    }

    private static Dataset<Row> select(Dataset<Row> traces) {
        return traces.select(
                col("problem_id"),
                col("sample_idx"),
                col("problem").as("prompt"),
                col("text").as("completion"),
                col("prompt_tokens"),
                col("completion_tokens"),
                col("source"),
                col("difficulty"));
    }

    /** One row per (chosen, rejected) of the same problem, per the pair policy. */
    static Dataset<Row> pairs(Dataset<Row> positives, Dataset<Row> negatives, String policy, int k) {
        WindowSpec byProblem = Window.partitionBy("problem_id").orderBy("sample_idx");
        Dataset<Row> chosen = positives
                .withColumn("r", row_number().over(byProblem))
                .select(
                        col("problem_id"),
                        col("prompt"),
                        col("r").as("cr"),
                        col("sample_idx").as("chosen_idx"),
                        col("completion").as("chosen"),
                        col("completion_tokens").as("chosen_tokens"),
                        col("prompt_tokens"));
        Dataset<Row> rejected = negatives
                .withColumn("r", row_number().over(byProblem))
                .select(
                        col("problem_id").as("rp"),
                        col("r").as("rr"),
                        col("sample_idx").as("rejected_idx"),
                        col("completion").as("rejected"),
                        col("completion_tokens").as("rejected_tokens"));
        Column join = chosen.col("problem_id").equalTo(rejected.col("rp"));
        Dataset<Row> all = chosen.join(rejected, join);
        Dataset<Row> picked = switch (policy) {
            case "first-pair" -> all.filter(col("cr").equalTo(1).and(col("rr").equalTo(1)));
            case "all-pairs-up-to-k" ->
                all.withColumn(
                                "pr",
                                row_number()
                                        .over(Window.partitionBy("problem_id").orderBy("cr", "rr")))
                        .filter(col("pr").leq(k))
                        .drop("pr");
            default -> throw unknownPairPolicy(policy);
        };
        return picked.select(
                "problem_id",
                "prompt",
                "chosen",
                "rejected",
                "chosen_idx",
                "rejected_idx",
                "prompt_tokens",
                "chosen_tokens",
                "rejected_tokens");
    }

    /**
     * Adds {@code prompt_tokens} and {@code completion_tokens} as training will see them ({@link Admission#tokenize}
     * with no length cap: chat template, EOS), or {@code admission_reason} when training would refuse the trace
     * whatever its length (empty completion, a completion the template refuses); the lengths are null then.
     */
    private static Dataset<Row> withTokenLengths(Dataset<Row> labeled, HadoopFiles files, String baseUri) {
        Dataset<Row> input = labeled.drop("prompt_tokens", "completion_tokens");
        StructType outSchema = input.schema()
                .add("prompt_tokens", DataTypes.IntegerType, true)
                .add("completion_tokens", DataTypes.IntegerType, true)
                .add("admission_reason", DataTypes.StringType, true);
        int idCol = input.schema().fieldIndex("problem_id");
        int problemCol = input.schema().fieldIndex("problem");
        int textCol = input.schema().fieldIndex("text");
        MapPartitionsFunction<Row, Row> measure = rows -> {
            Path dir = files.localDirectory(baseUri);
            List<Row> out = new ArrayList<>();
            try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
                ChatTemplate template = ChatTemplate.load(dir);
                while (rows.hasNext()) {
                    Row r = rows.next();
                    Admission.Tokenized t = Admission.tokenize(
                            r.getString(idCol),
                            r.getString(problemCol),
                            r.isNullAt(textCol) ? null : r.getString(textCol),
                            tokenizer,
                            template,
                            Integer.MAX_VALUE);
                    Object[] values = new Object[r.size() + 3];
                    for (int i = 0; i < r.size(); i++) {
                        values[i] = r.get(i);
                    }
                    if (t.ok()) {
                        values[r.size()] = t.example().promptLength();
                        values[r.size() + 1] = t.example().completionLength();
                    } else {
                        values[r.size() + 2] = t.reason();
                    }
                    out.add(RowFactory.create(values));
                }
            }
            return out.iterator();
        };
        return input.mapPartitions(measure, Encoders.row(outSchema));
    }
}
