package redispark.jobs.stages;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import redispark.jobs.config.RediConfig;
import redispark.jobs.curate.CurationSettings;
import redispark.jobs.curate.CurationStats;
import redispark.jobs.curate.ProblemCuration;
import redispark.jobs.run.RunDir;
import redispark.jobs.spark.SparkSchemas;
import redispark.jobs.split.SplitConfig;
import redispark.jobs.split.SplitRules;
import redispark.jobs.split.TokenLengths;
import redispark.train.Admission;

/**
 * {@code redi split}: labelled traces → {@code positives} (verified correct and finished), {@code negatives}
 * (verified incorrect), {@code pairs} (one correct and one incorrect trace of the same problem) and {@code rejects}.
 * Problems that overlap a benchmark or duplicate another problem are removed first ({@link ProblemCuration}). Token
 * lengths are those training sees ({@link Admission#tokenize}: chat template, EOS); a trace over the prompt,
 * response or {@code train.max-seq-len} limits is rejected, never truncated. Every labelled row ends in exactly one
 * of positives, negatives or rejects; curation figures go to the manifest ({@link CurationStats}).
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
    public List<String> externalInputs(RediConfig config) {
        return ExternalInputs.studentBase(config).stream().toList();
    }

    @Override
    public List<String> outputs() {
        return List.of("positives", "negatives", "pairs", StudentBase.DIR);
    }

    @Override
    public StageOutcome run(StageContext context) {
        RunDir run = context.run();
        SplitConfig config = SplitConfig.from(context.config()); // checked before any work
        Dataset<Row> labeled = run.readTable(context.spark(), "labeled", "label");
        String baseUri = StudentBase.ensure(context);
        Dataset<Row> problems =
                labeled.select("problem_id", "problem").distinct().cache();
        ProblemCuration.Result curation =
                ProblemCuration.run(context.spark(), problems, CurationSettings.from(context.config()), run.files());
        Dataset<Row> removed = curation.removed();
        Dataset<Row> classified = TokenLengths.of(labeled, run.files(), baseUri)
                .join(
                        removed.select(
                                col("problem_id"),
                                col("reason").as("problem_reason"),
                                col("detail").as("problem_detail")),
                        "problem_id",
                        "left")
                .withColumn("reject_reason", SplitRules.rejectReason(config))
                .cache();
        try {
            Dataset<Row> kept = classified.filter(col("reject_reason").isNull());
            Map<String, Long> rows = new LinkedHashMap<>();
            rows.put("positives", run.writeTable(SplitRules.positives(kept, config), "positives"));
            rows.put("negatives", run.writeTable(SplitRules.negatives(kept), "negatives"));
            Dataset<Row> writtenPositives = run.readTable(context.spark(), "positives", "split");
            Dataset<Row> writtenNegatives = run.readTable(context.spark(), "negatives", "split");
            rows.put("pairs", run.writeTable(SplitRules.pairs(writtenPositives, writtenNegatives, config), "pairs"));
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
}
