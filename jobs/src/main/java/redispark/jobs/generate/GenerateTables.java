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
import redispark.jobs.spark.SparkSchemas;
import redispark.jobs.stages.StageOutcome;

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
        Dataset<Row> train =
                run.readTable(spark, "problems", "generate").filter(col("split").equalTo("train"));
        Traces.Written traces = Traces.write(
                spark, run, train, rows.get("problems_train"), config.teacher(), config.generationConfig());
        rows.put("traces", traces.traces());
        rows.put("traces_reused", traces.reused());
        rows.put("traces_requested", traces.requested());
        rows.put(
                "traces_error",
                run.readTable(spark, "traces", "generate")
                        .filter(col("error").isNotNull())
                        .count());
        Map<String, Long> rejects = run.writeRejects("generate", conform(spark, selected.rejects()));
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
                    spark.createDataFrame(OpenR1Import.candidates(classified).toJavaRDD(), ProblemSources.CANDIDATES),
                    p.heldoutCount(),
                    p.count(),
                    p.seed());
            Map<String, Long> rows = new LinkedHashMap<>();
            writeProblems(spark, run, selected.problems(), rows);
            Dataset<Row> train = run.readTable(spark, "problems", "generate")
                    .filter(col("split").equalTo("train"));
            Dataset<Row> traces = OpenR1Import.traces(in, classified, train, config.generationConfig());
            rows.put(
                    "traces", run.writeTable(spark.createDataFrame(traces.toJavaRDD(), SparkSchemas.TRACES), "traces"));
            Map<String, Long> rejects = run.writeRejects(
                    "generate", conform(spark, OpenR1Import.rejects(classified).union(selected.rejects())));
            return StageOutcome.of(rows, rejects);
        } finally {
            classified.unpersist();
        }
    }

    private static void writeProblems(SparkSession spark, RunDir run, Dataset<Row> problems, Map<String, Long> rows) {
        rows.put("problems", run.writeTable(problems, "problems"));
        Map<String, Long> bySplit = new java.util.HashMap<>();
        for (Row r : run.readTable(spark, "problems", "generate")
                .groupBy("split")
                .count()
                .collectAsList()) {
            bySplit.put(r.getString(0), r.getLong(1));
        }
        rows.put("problems_train", bySplit.getOrDefault("train", 0L));
        rows.put("problems_heldout", bySplit.getOrDefault("heldout", 0L));
    }

    private static Dataset<Row> conform(SparkSession spark, Dataset<Row> rejects) {
        return spark.createDataFrame(rejects.toJavaRDD(), SparkSchemas.REJECTS);
    }
}
