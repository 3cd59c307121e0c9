package redispark.jobs.generate;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_except;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.size;
import static redispark.jobs.table.TracesTable.ERROR;
import static redispark.jobs.table.TracesTable.GENERATION_CONFIG;
import static redispark.jobs.table.TracesTable.PROBLEM;
import static redispark.jobs.table.TracesTable.PROBLEM_ID;
import static redispark.jobs.table.TracesTable.SAMPLE_IDX;
import static redispark.jobs.table.TracesTable.TEXT;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;
import redispark.jobs.run.RunDir;
import redispark.jobs.table.GenerationWorkFrame;
import redispark.jobs.table.ProblemsTable;
import redispark.jobs.table.TracesTable;

/**
 * The traces of a sampling teacher, idempotent by {@code (problem_id, sample_idx)}: the good rows of the previous
 * {@code traces} table and of any chunks a killed run saved (same {@code generation_config}, same problem text, no
 * error) are kept, the teacher is asked only for the other indices of {@code 0..samples-1}, and the two are written
 * together as the new table.
 */
final class Traces {
    private Traces() {}

    /** Where the saved chunks of a run in progress live (see {@code teacher.checkpoint-every}). */
    static final String PARTS = "traces.parts";

    /** Rows written, reused from before, and asked of the teacher. */
    record Written(long traces, long reused, long requested) {}

    /**
     * Samples what is missing and writes {@code traces}. With {@code teacher.checkpoint-every > 0} the problems are
     * sampled in chunks, each saved under {@link #PARTS} as soon as it is done; a killed run's chunks are reused by
     * the next run like stored traces, and the parts are removed once {@code traces} is written.
     *
     * @param trainProblems rows of {@code train}
     */
    static Written write(
            SparkSession spark,
            RunDir run,
            Dataset<Row> train,
            long trainProblems,
            GenerateConfig.Teachers teacher,
            String generationConfig) {
        int n = teacher.samples();
        Column all = sequence(lit(0), lit(n - 1));
        Dataset<Row> kept = reusable(spark, run, train, generationConfig, n);
        long reused = kept == null ? 0 : kept.count();
        Dataset<Row> missing;
        if (reused == 0) {
            kept = spark.createDataFrame(List.of(), TracesTable.SCHEMA);
            missing = train.withColumn(GenerationWorkFrame.MISSING, all);
        } else {
            Dataset<Row> done = kept.groupBy(col(PROBLEM_ID).as("_done_id"))
                    .agg(collect_set(col(SAMPLE_IDX)).as("_done"));
            missing = train.join(done, train.col(ProblemsTable.PROBLEM_ID).equalTo(done.col("_done_id")), "left")
                    .withColumn(
                            GenerationWorkFrame.MISSING,
                            array_except(all, coalesce(col("_done"), array().cast("array<int>"))))
                    .filter(size(col(GenerationWorkFrame.MISSING)).gt(0));
        }
        // The work list is fixed once (the old tables it was computed from are replaced at the end).
        Dataset<Row> work = spark.createDataFrame(
                        GenerationWorkFrame.conform(missing).toJavaRDD(), GenerationWorkFrame.SCHEMA)
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            long problems = trainProblems;
            long requested = trainProblems * n;
            if (reused > 0) {
                Row sum = work.agg(
                                functions.count(lit(1)),
                                functions.sum(
                                        size(col(GenerationWorkFrame.MISSING)).cast(DataTypes.LongType)))
                        .first();
                problems = sum.getLong(0);
                requested = sum.isNullAt(1) ? 0 : sum.getLong(1);
            }
            int every = teacher.checkpointEvery();
            long chunks = every > 0 ? Math.max(1, (problems + every - 1) / every) : 1;
            TraceSampler sampler = TraceSampler.of(teacher, generationConfig, run.files());
            int partitions = teacher.partitions() > 0
                    ? teacher.partitions()
                    : Math.max(1, spark.sparkContext().defaultParallelism());
            long written;
            if (chunks == 1) {
                written = run.writeTable(kept.unionByName(sample(work, sampler, partitions)), TracesTable.NAME);
            } else {
                String tag = Long.toString(System.currentTimeMillis(), 36);
                Dataset<Row> result = kept;
                for (long k = 0; k < chunks; k++) {
                    String name = PARTS + "/part-" + tag + "-" + k;
                    Dataset<Row> chunk = work.filter(functions
                            .pmod(functions.xxhash64(col(GenerationWorkFrame.PROBLEM_ID)), lit(chunks))
                            .equalTo(k));
                    long rows = run.writeTable(sample(chunk, sampler, partitions), name);
                    System.out.printf(
                            "[redi] generate: saved chunk %d/%d (%d traces) to %s%n", k + 1, chunks, rows, name);
                    result = result.unionByName(spark.read().parquet(run.path(name)));
                }
                written = run.writeTable(result, TracesTable.NAME);
            }
            if (run.exists(PARTS)) {
                run.files().delete(run.path(PARTS));
            }
            return new Written(written, reused, requested);
        } finally {
            work.unpersist();
        }
    }

    /** The teacher's rows for the work rows. writeTable caches them, so each request is made once. */
    private static Dataset<Row> sample(Dataset<Row> work, TraceSampler sampler, int partitions) {
        return work.repartition(partitions)
                .mapPartitions(
                        (org.apache.spark.api.java.function.MapPartitionsFunction<Row, Row>) sampler::sample,
                        Encoders.row(TracesTable.SCHEMA));
    }

    /**
     * The rows of the previous {@code traces} table that a rerun keeps: same generation config, no error, an index
     * below {@code samples}, and a problem that is still a training problem with the same text (gold, source and
     * difficulty are taken from the current problem); null when there is no previous table.
     */
    static Dataset<Row> reusable(
            SparkSession spark, RunDir run, Dataset<Row> train, String generationConfig, int samples) {
        List<String> paths = new ArrayList<>();
        if (run.exists(TracesTable.NAME)) {
            paths.add(run.path(TracesTable.NAME));
        }
        paths.addAll(parts(run));
        if (paths.isEmpty()) {
            return null;
        }
        Dataset<Row> old = null;
        for (String path : paths) {
            Dataset<Row> one = spark.read().parquet(path);
            old = old == null ? one : old.unionByName(one, true);
        }
        List<String> have = List.of(old.columns());
        for (String needed : List.of(PROBLEM_ID, SAMPLE_IDX, PROBLEM, ERROR, GENERATION_CONFIG, TEXT)) {
            if (!have.contains(needed)) {
                return null;
            }
        }
        Dataset<Row> good = old.filter(col(GENERATION_CONFIG)
                        .equalTo(generationConfig)
                        .and(col(ERROR).isNull())
                        .and(col(TEXT).isNotNull())
                        .and(col(SAMPLE_IDX).geq(0))
                        .and(col(SAMPLE_IDX).lt(samples)))
                .dropDuplicates(PROBLEM_ID, SAMPLE_IDX);
        List<String> fromProblem = List.of(TracesTable.GOLD, TracesTable.SOURCE, TracesTable.DIFFICULTY);
        Dataset<Row> current = train.select(
                col(ProblemsTable.PROBLEM_ID).as("_pid"),
                col(ProblemsTable.PROBLEM).as("_problem"),
                col(ProblemsTable.GOLD).as("_" + TracesTable.GOLD),
                col(ProblemsTable.SOURCE).as("_" + TracesTable.SOURCE),
                col(ProblemsTable.DIFFICULTY).as("_" + TracesTable.DIFFICULTY));
        Dataset<Row> joined = good.join(
                current,
                good.col(PROBLEM_ID)
                        .equalTo(current.col("_pid"))
                        .and(good.col(PROBLEM).equalTo(current.col("_problem"))));
        Dataset<Row> kept = joined.select(TracesTable.columns(name ->
                fromProblem.contains(name) ? col("_" + name) : have.contains(name) ? good.col(name) : lit(null)));
        return spark.createDataFrame(kept.toJavaRDD(), TracesTable.SCHEMA);
    }

    /** The saved chunks of an earlier run that did not finish. */
    static List<String> parts(RunDir run) {
        if (!run.exists(PARTS)) {
            return List.of();
        }
        try {
            List<String> out = new ArrayList<>();
            for (FileStatus s : run.files().fs(run.path(PARTS)).listStatus(new Path(run.path(PARTS)))) {
                if (s.isDirectory() && s.getPath().getName().startsWith("part-")) {
                    out.add(s.getPath().toString());
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + run.path(PARTS), e);
        }
    }
}
