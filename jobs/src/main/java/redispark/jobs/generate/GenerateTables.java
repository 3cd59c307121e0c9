package redispark.jobs.generate;

import static org.apache.spark.sql.functions.col;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import redispark.jobs.generate.ProblemSelection.Selected;
import redispark.jobs.run.RunDir;
import redispark.jobs.stages.StageOutcome;
import redispark.jobs.table.ProblemCandidatesFrame;
import redispark.jobs.table.ProblemsTable;
import redispark.jobs.table.RejectsTable;
import redispark.jobs.table.TracesTable;

/** Writes the generate stage's tables: problems, traces and rejects, with the counts for the manifest. */
public final class GenerateTables {
    private GenerateTables() {}

    /** Problems from a source, traces from a sampling teacher (builtin, openai, local). */
    public static StageOutcome sample(SparkSession spark, RunDir run, GenerateConfig config, Selected source) {
        // Problems and rejects share their lineage (the source read, the selection): computed once.
        Selected selected = new Selected(
                source.problems().persist(StorageLevel.MEMORY_AND_DISK()),
                source.rejects().persist(StorageLevel.MEMORY_AND_DISK()));
        try {
            return sampleSelected(spark, run, config, selected);
        } finally {
            selected.problems().unpersist();
            selected.rejects().unpersist();
        }
    }

    private static StageOutcome sampleSelected(
            SparkSession spark, RunDir run, GenerateConfig config, Selected selected) {
        Map<String, Long> rows = new LinkedHashMap<>();
        writeProblems(spark, run, selected.problems(), rows);
        Dataset<Row> train = trainingProblems(spark, run);
        Traces.Written traces = Traces.write(
                spark, run, train, rows.get("problems_train"), config.teacher(), config.generationConfig());
        rows.put(TracesTable.NAME, traces.traces());
        rows.put("traces_reused", traces.reused());
        rows.put("traces_requested", traces.requested());
        rows.put(
                "traces_error",
                run.readTable(spark, TracesTable.NAME, "generate")
                        .filter(col(TracesTable.ERROR).isNotNull())
                        .count());
        Map<String, Long> rejects = run.writeRejects("generate", selected.rejects());
        return StageOutcome.of(rows, rejects);
    }

    /** Problems and traces from an OpenR1-Math file. */
    public static StageOutcome importOpenR1(SparkSession spark, RunDir run, GenerateConfig config) {
        OpenR1Import.Input in = OpenR1Import.read(spark, config.teacher().openr1());
        Dataset<Row> classified = OpenR1Import.classified(in).persist(StorageLevel.MEMORY_AND_DISK());
        try {
            GenerateConfig.Problems p = config.problems();
            Selected selected = ProblemSelection.byHash(
                    spark,
                    spark.createDataFrame(
                            OpenR1Import.candidates(classified).toJavaRDD(), ProblemCandidatesFrame.SCHEMA),
                    p.heldoutCount(),
                    p.count(),
                    p.seed());
            Map<String, Long> rows = new LinkedHashMap<>();
            writeProblems(spark, run, selected.problems(), rows);
            Dataset<Row> train = trainingProblems(spark, run);
            Dataset<Row> traces = OpenR1Import.traces(in, classified, train, config.generationConfig());
            rows.put(
                    TracesTable.NAME,
                    run.writeTable(spark.createDataFrame(traces.toJavaRDD(), TracesTable.SCHEMA), TracesTable.NAME));
            Map<String, Long> rejects = run.writeRejects(
                    "generate",
                    RejectsTable.conform(OpenR1Import.rejects(classified))
                            .union(RejectsTable.conform(selected.rejects())));
            return StageOutcome.of(rows, rejects);
        } finally {
            classified.unpersist();
        }
    }

    private static void writeProblems(SparkSession spark, RunDir run, Dataset<Row> problems, Map<String, Long> rows) {
        rows.put(ProblemsTable.NAME, run.writeTable(ProblemsTable.conform(problems), ProblemsTable.NAME));
        Map<String, Long> bySplit = new java.util.HashMap<>();
        for (Row r : run.readTable(spark, ProblemsTable.NAME, "generate")
                .groupBy(ProblemsTable.SPLIT)
                .count()
                .collectAsList()) {
            bySplit.put(r.getString(0), r.getLong(1));
        }
        rows.put("problems_train", bySplit.getOrDefault(ProblemsTable.TRAIN, 0L));
        rows.put("problems_heldout", bySplit.getOrDefault(ProblemsTable.HELDOUT, 0L));
    }

    private static Dataset<Row> trainingProblems(SparkSession spark, RunDir run) {
        return run.readTable(spark, ProblemsTable.NAME, "generate")
                .filter(col(ProblemsTable.SPLIT).equalTo(ProblemsTable.TRAIN));
    }
}
