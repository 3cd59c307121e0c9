package redispark.jobs.stages;

import static org.apache.spark.sql.functions.col;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import redispark.jobs.config.RediConfig;
import redispark.jobs.curate.CurationSettings;
import redispark.jobs.curate.CurationStats;
import redispark.jobs.curate.ProblemCuration;
import redispark.jobs.run.RunDir;
import redispark.jobs.split.SplitConfig;
import redispark.jobs.split.SplitRules;
import redispark.jobs.split.TokenLengths;
import redispark.jobs.table.LabeledTracesTable;
import redispark.jobs.table.NegativesTable;
import redispark.jobs.table.PairsTable;
import redispark.jobs.table.PositivesTable;
import redispark.jobs.table.RemovedProblemsFrame;
import redispark.jobs.table.TracesTable;
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
        // the split's settings (curation's are under split too) and the student whose tokenizer measures lengths
        return java.util.stream.Stream.concat(SplitConfig.PATHS.stream(), java.util.stream.Stream.of("student"))
                .toList();
    }

    @Override
    public List<String> inputs() {
        return List.of(LabeledTracesTable.NAME);
    }

    @Override
    public List<String> externalInputs(RediConfig config) {
        return ExternalInputs.studentBase(config).stream().toList();
    }

    @Override
    public List<String> outputs() {
        return List.of(PositivesTable.NAME, NegativesTable.NAME, PairsTable.NAME, StudentBase.DIR);
    }

    @Override
    public StageOutcome run(StageContext context) {
        RunDir run = context.run();
        SplitConfig config = SplitConfig.from(context.config()); // checked before any work
        Dataset<Row> labeled = run.readTable(context.spark(), LabeledTracesTable.NAME, "label");
        String baseUri = StudentBase.ensure(context);
        Dataset<Row> problems = labeled.select(TracesTable.PROBLEM_ID, TracesTable.PROBLEM)
                .distinct()
                .cache();
        ProblemCuration.Result curation =
                ProblemCuration.run(context.spark(), problems, CurationSettings.from(context.config()), run.files());
        Dataset<Row> removed = curation.removed();
        Dataset<Row> classified = TokenLengths.of(labeled, run.files(), baseUri)
                .join(
                        removed.select(
                                col(RemovedProblemsFrame.PROBLEM_ID),
                                col(RemovedProblemsFrame.REASON).as("problem_reason"),
                                col(RemovedProblemsFrame.DETAIL).as("problem_detail")),
                        TracesTable.PROBLEM_ID,
                        "left")
                .withColumn("reject_reason", SplitRules.rejectReason(config, col("problem_reason")))
                .cache();
        try {
            Dataset<Row> kept = classified.filter(col("reject_reason").isNull());
            Map<String, Long> rows = new LinkedHashMap<>();
            rows.put(PositivesTable.NAME, run.writeTable(SplitRules.positives(kept, config), PositivesTable.NAME));
            rows.put(NegativesTable.NAME, run.writeTable(SplitRules.negatives(kept), NegativesTable.NAME));
            Dataset<Row> writtenPositives = run.readTable(context.spark(), PositivesTable.NAME, "split");
            Dataset<Row> writtenNegatives = run.readTable(context.spark(), NegativesTable.NAME, "split");
            rows.put(
                    PairsTable.NAME,
                    run.writeTable(SplitRules.pairs(writtenPositives, writtenNegatives, config), PairsTable.NAME));
            Map<String, Long> rejected = run.writeRejects(name(), SplitRules.rejects(name(), classified));
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
