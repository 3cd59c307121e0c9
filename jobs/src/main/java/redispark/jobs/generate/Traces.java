package redispark.jobs.generate;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_except;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.size;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.storage.StorageLevel;
import redispark.jobs.run.RunDir;
import redispark.jobs.spark.SparkSchemas;

/**
 * The traces of a sampling teacher, idempotent by {@code (problem_id, sample_idx)}: the good rows of the previous
 * {@code traces} table (same {@code generation_config}, same problem text, no error) are kept, the teacher is asked
 * only for the other indices of {@code 0..samples-1}, and the two are written together as the new table.
 */
final class Traces {
    private Traces() {}

    /** The traces to write ({@code kept ∪ fresh}) and how many rows were reused / requested. */
    record Plan(Dataset<Row> traces, Dataset<Row> fresh, long reused, long requested) {}

    static Plan plan(SparkSession spark, RunDir run, Dataset<Row> train, GenerateConfig.Teachers teacher,
            String generationConfig) {
        int n = teacher.samples();
        Column all = sequence(lit(0), lit(n - 1));
        Dataset<Row> kept = reusable(spark, run, train, generationConfig, n);
        long reused = kept == null ? 0 : kept.count();
        Dataset<Row> work;
        if (reused == 0) {
            kept = spark.createDataFrame(List.of(), SparkSchemas.TRACES);
            work = train.select(col("problem_id"), col("problem"), col("gold"), col("source"), col("difficulty"),
                    all.as("missing"));
        } else {
            Dataset<Row> done = kept.groupBy(col("problem_id").as("_done_id"))
                    .agg(collect_set(col("sample_idx")).as("_done"));
            work = train.join(done, train.col("problem_id").equalTo(done.col("_done_id")), "left")
                    .select(col("problem_id"), col("problem"), col("gold"), col("source"), col("difficulty"),
                            array_except(all, coalesce(col("_done"), array().cast("array<int>"))).as("missing"))
                    .filter(size(col("missing")).gt(0));
        }
        Row sum = work.agg(functions.sum(size(col("missing")).cast(DataTypes.LongType))).first();
        long requested = sum.isNullAt(0) ? 0 : sum.getLong(0);
        int partitions = teacher.partitions() > 0 ? teacher.partitions()
                : Math.max(1, spark.sparkContext().defaultParallelism());
        TraceSampler sampler = TraceSampler.of(teacher, generationConfig, run.files());
        Dataset<Row> workRows = spark.createDataFrame(work.toJavaRDD(), TraceRows.WORK).repartition(partitions);
        // MEMORY_AND_DISK: a teacher's answers are paid for; they are never recomputed for a second action.
        Dataset<Row> fresh = workRows.mapPartitions(
                (org.apache.spark.api.java.function.MapPartitionsFunction<Row, Row>) sampler::sample,
                Encoders.row(SparkSchemas.TRACES)).persist(StorageLevel.MEMORY_AND_DISK());
        return new Plan(kept.unionByName(fresh), fresh, reused, requested);
    }

    /**
     * The rows of the previous {@code traces} table that a rerun keeps: same generation config, no error, an index
     * below {@code samples}, and a problem that is still a training problem with the same text (gold, source and
     * difficulty are taken from the current problem); null when there is no previous table.
     */
    static Dataset<Row> reusable(SparkSession spark, RunDir run, Dataset<Row> train, String generationConfig,
            int samples) {
        if (!run.exists("traces")) {
            return null;
        }
        Dataset<Row> old = spark.read().parquet(run.path("traces"));
        List<String> have = List.of(old.columns());
        for (String needed : List.of("problem_id", "sample_idx", "problem", "error", "generation_config", "text")) {
            if (!have.contains(needed)) {
                return null;
            }
        }
        Dataset<Row> good = old.filter(col("generation_config").equalTo(generationConfig)
                        .and(col("error").isNull()).and(col("text").isNotNull())
                        .and(col("sample_idx").geq(0)).and(col("sample_idx").lt(samples)))
                .dropDuplicates("problem_id", "sample_idx");
        Dataset<Row> current = train.select(col("problem_id").as("_pid"), col("problem").as("_problem"),
                col("gold").as("_gold"), col("source").as("_source"), col("difficulty").as("_difficulty"));
        Dataset<Row> joined = good.join(current, good.col("problem_id").equalTo(current.col("_pid"))
                .and(good.col("problem").equalTo(current.col("_problem"))));
        List<Column> out = new ArrayList<>();
        for (StructField f : SparkSchemas.TRACES.fields()) {
            String name = f.name();
            Column c = switch (name) {
                case "gold", "source", "difficulty" -> col("_" + name);
                default -> have.contains(name) ? good.col(name) : lit(null);
            };
            out.add(c.cast(f.dataType()).as(name));
        }
        return spark.createDataFrame(joined.select(out.toArray(Column[]::new)).toJavaRDD(), SparkSchemas.TRACES);
    }

    /** Columns of {@code rows}, in {@link SparkSchemas#TRACES} order (for the openr1 import). */
    static Dataset<Row> conform(SparkSession spark, Dataset<Row> rows) {
        return spark.createDataFrame(rows.toJavaRDD(), SparkSchemas.TRACES);
    }
}
