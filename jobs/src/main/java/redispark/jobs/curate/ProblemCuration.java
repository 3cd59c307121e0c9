package redispark.jobs.curate;

import static org.apache.spark.sql.functions.array_intersect;
import static org.apache.spark.sql.functions.array_union;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.format_number;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.udf;
import static redispark.jobs.table.ProblemsTable.PROBLEM;
import static redispark.jobs.table.ProblemsTable.PROBLEM_ID;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.MinHashLSH;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import redispark.jobs.generate.BenchmarkDir;
import redispark.jobs.run.HadoopFiles;
import redispark.jobs.table.ProblemBandsFrame;
import redispark.jobs.table.ProblemsTable;
import redispark.jobs.table.RemovedProblemsFrame;

/**
 * Which problems curation removes, and why: decontamination against benchmark files first (a problem that
 * overlaps a benchmark problem is removed whatever else holds), then exact duplicates (same normalised text), then
 * near-duplicates (MinHash LSH on token n-grams). Of duplicates the problem with the smallest id stays; a removed one
 * names the problem it duplicates. Deterministic for a given input and seed.
 */
public final class ProblemCuration {
    public static final String CONTAMINATED = "contaminated";
    public static final String DUPLICATE = "duplicate_problem";
    public static final String NEAR_DUPLICATE = "near_duplicate_problem";
    public static final String SKIPPED_NO_FOLDER = "decontamination skipped: no benchmark folder";

    /** The removed problems ({@link RemovedProblemsFrame}), and what curation wants recorded (benchmarks compared, skipped steps). */
    public record Result(Dataset<Row> removed, Map<String, Object> stats, List<String> notes) {}

    private ProblemCuration() {}

    /**
     * @param problems distinct {@link ProblemsTable#PROBLEM_ID}, {@link ProblemsTable#PROBLEM} (cached by the caller:
     *     every step reads it)
     * @return the removed problems, cached and counted (unpersist when done)
     */
    public static Result run(SparkSession spark, Dataset<Row> problems, CurationSettings settings, HadoopFiles files) {
        Map<String, Object> stats = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        List<Dataset<Row>> steps = new ArrayList<>();
        Dataset<Row> remaining = problems;
        Optional<BenchmarkIndex> index = benchmarks(settings, files, stats, notes);
        if (index.isPresent()) {
            remaining = step(
                    contaminated(spark, problems, index.get(), settings.decontaminationOverlap()), remaining, steps);
        }
        if (settings.exactDedup()) {
            remaining = step(exactDuplicates(remaining), remaining, steps);
        }
        if (settings.nearDedup()) {
            step(nearDuplicates(remaining, settings), remaining, steps);
        }
        Dataset<Row> removed = spark.createDataFrame(List.of(), RemovedProblemsFrame.SCHEMA);
        for (Dataset<Row> s : steps) {
            removed = removed.unionByName(s);
        }
        removed = removed.cache();
        removed.count();
        steps.forEach(Dataset::unpersist);
        return new Result(removed, stats, notes);
    }

    /**
     * Materialises one step's removed problems once (each step's input is the previous step's output, so a lazy
     * plan would recompute every earlier step) and returns the problems it leaves.
     */
    private static Dataset<Row> step(Dataset<Row> removedHere, Dataset<Row> remaining, List<Dataset<Row>> steps) {
        Dataset<Row> cached = removedHere.cache();
        cached.count();
        steps.add(cached);
        return remaining.join(cached.select(PROBLEM_ID), PROBLEM_ID, "left_anti");
    }

    private static Optional<BenchmarkIndex> benchmarks(
            CurationSettings settings, HadoopFiles files, Map<String, Object> stats, List<String> notes) {
        if (!settings.decontaminate()) {
            notes.add("decontamination off (split.decontaminate.enabled = false)");
            return Optional.empty();
        }
        Optional<Path> dir = settings.benchmarkDir().isEmpty()
                ? BenchmarkDir.find()
                : Optional.of(BenchmarkDir.resolve(settings.benchmarkDir(), "split.decontaminate.dir", files));
        if (dir.isEmpty()) {
            System.err.println("[redi] WARNING: " + SKIPPED_NO_FOLDER + " (set split.decontaminate.dir or "
                    + "REDI_BENCHMARKS_DIR to a folder; REDI_BENCHMARKS_DIR is " + System.getenv("REDI_BENCHMARKS_DIR")
                    + ")");
            notes.add(SKIPPED_NO_FOLDER);
            return Optional.empty();
        }
        BenchmarkIndex index =
                BenchmarkIndex.load(dir.get(), settings.benchmarks(), settings.decontaminationNgram(), notes);
        stats.put("decontamination_benchmarks", index.problemsPerBenchmark());
        return Optional.of(index);
    }

    private static Dataset<Row> contaminated(
            SparkSession spark, Dataset<Row> problems, BenchmarkIndex index, double overlap) {
        Broadcast<BenchmarkIndex> shared =
                spark.sparkContext().broadcast(index, scala.reflect.ClassTag$.MODULE$.apply(BenchmarkIndex.class));
        FlatMapFunction<Row, Row> match = r -> shared.value()
                .match(r.getAs(PROBLEM), overlap)
                .map(m -> List.of(RemovedProblemsFrame.row(
                                r.getAs(PROBLEM_ID),
                                CONTAMINATED,
                                String.format(
                                        java.util.Locale.ROOT,
                                        "%s %s overlap=%.2f",
                                        m.benchmark(),
                                        m.problemId(),
                                        m.overlap()),
                                m.benchmark()))
                        .iterator())
                .orElse(java.util.Collections.emptyIterator());
        return problems.select(PROBLEM_ID, PROBLEM).flatMap(match, Encoders.row(RemovedProblemsFrame.SCHEMA));
    }

    private static Dataset<Row> exactDuplicates(Dataset<Row> problems) {
        UserDefinedFunction normalised = udf((String s) -> ProblemText.normalised(s), DataTypes.StringType);
        Dataset<Row> keyed =
                problems.select(col(PROBLEM_ID), normalised.apply(col(PROBLEM)).as("text"));
        Dataset<Row> kept = keyed.groupBy("text").agg(min(PROBLEM_ID).as("kept"));
        return keyed.join(kept, "text")
                .filter(col(PROBLEM_ID).notEqual(col("kept")))
                .select(
                        col(PROBLEM_ID).as(RemovedProblemsFrame.PROBLEM_ID),
                        lit(DUPLICATE).as(RemovedProblemsFrame.REASON),
                        concat(lit("duplicate of "), col("kept")).as(RemovedProblemsFrame.DETAIL),
                        lit(null).cast(DataTypes.StringType).as(RemovedProblemsFrame.BENCHMARK));
    }

    /**
     * Spark's {@code approxSimilarityJoin} makes a candidate of every pair that agrees on any single min-hash, which
     * on templated text grows quadratically; here {@link MinHashLSH} only computes the signatures, a candidate must
     * agree on a whole band of them, and each band bucket is linked to its smallest problem id only (a star, not all
     * pairs), so the work stays linear. Candidates are then checked with the exact Jaccard similarity.
     */
    private static Dataset<Row> nearDuplicates(Dataset<Row> problems, CurationSettings settings) {
        int n = settings.nearNgram();
        UserDefinedFunction ngrams = udf(
                (String s) -> ProblemText.ngrams(ProblemText.tokens(s), n).toArray(String[]::new),
                DataTypes.createArrayType(DataTypes.StringType));
        Dataset<Row> shingled = problems.select(
                        col(PROBLEM_ID), ngrams.apply(col(PROBLEM)).as("ngrams"))
                .filter(size(col("ngrams")).gt(0));
        Dataset<Row> features = new HashingTF()
                .setInputCol("ngrams")
                .setOutputCol("features")
                .setBinary(true)
                .setNumFeatures(1 << 20)
                .transform(shingled);
        MinHashLSH lsh = new MinHashLSH()
                .setInputCol("features")
                .setOutputCol("hashes")
                .setNumHashTables(settings.bands() * settings.rowsPerBand())
                .setSeed(settings.seed());
        // Read three times below: computed once (local checkpoint, eager; freed with the plan).
        Dataset<Row> signed = lsh.fit(features)
                .transform(features)
                .select(PROBLEM_ID, "ngrams", "hashes")
                .localCheckpoint();
        int rows = settings.rowsPerBand();
        MapPartitionsFunction<Row, Row> toBands = it -> {
            List<Row> out = new ArrayList<>();
            while (it.hasNext()) {
                Row r = it.next();
                List<Vector> hashes = r.getList(r.fieldIndex("hashes"));
                for (int band = 0; band * rows < hashes.size(); band++) {
                    long key = band;
                    for (int j = band * rows; j < (band + 1) * rows; j++) {
                        key = key * 1_000_003L + (long) hashes.get(j).apply(0);
                    }
                    out.add(ProblemBandsFrame.row(r.getAs(PROBLEM_ID), key));
                }
            }
            return out.iterator();
        };
        Dataset<Row> banded = signed.mapPartitions(toBands, Encoders.row(ProblemBandsFrame.SCHEMA));
        Dataset<Row> anchors = banded.groupBy(ProblemBandsFrame.BAND_KEY)
                .agg(min(ProblemBandsFrame.PROBLEM_ID).as("anchor"), count("*").as("size"))
                .filter(col("size").gt(1));
        Dataset<Row> candidates = banded.join(anchors, ProblemBandsFrame.BAND_KEY)
                .filter(col(ProblemBandsFrame.PROBLEM_ID).notEqual(col("anchor")))
                .select(PROBLEM_ID, "anchor")
                .distinct();
        Dataset<Row> a =
                signed.select(col(PROBLEM_ID).as("anchor"), col("ngrams").as("anchor_ngrams"));
        Dataset<Row> checked = candidates
                .join(signed.select(PROBLEM_ID, "ngrams"), PROBLEM_ID)
                .join(a, "anchor")
                .withColumn(
                        "similarity",
                        size(array_intersect(col("ngrams"), col("anchor_ngrams")))
                                .cast("double")
                                .divide(size(array_union(col("ngrams"), col("anchor_ngrams")))))
                .filter(col("similarity").geq(settings.nearSimilarity()));
        return checked.groupBy(PROBLEM_ID)
                .agg(min(struct(col("anchor"), col("similarity"))).as("m"))
                .select(
                        col(PROBLEM_ID).as(RemovedProblemsFrame.PROBLEM_ID),
                        lit(NEAR_DUPLICATE).as(RemovedProblemsFrame.REASON),
                        concat(
                                        lit("near-duplicate of "),
                                        col("m.anchor"),
                                        lit(" jaccard="),
                                        format_number(col("m.similarity"), 2))
                                .as(RemovedProblemsFrame.DETAIL),
                        lit(null).cast(DataTypes.StringType).as(RemovedProblemsFrame.BENCHMARK));
    }
}
