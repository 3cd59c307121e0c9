package redispark.jobs.generate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import redispark.jobs.spark.SparkSchemas;

/**
 * Turns candidate problems ({@code problem_id, problem, gold, source, difficulty}) into the {@code problems}
 * table: one row per id, a held-out split chosen by hash, at most {@code problems.count} training problems, and no
 * held-out problem whose text is also a training problem. Every candidate ends as a problem or a reject.
 */
public final class ProblemSelection {
    private ProblemSelection() {}

    /** Problems ({@link SparkSchemas#PROBLEMS}) and rejects ({@link SparkSchemas#REJECTS}). */
    public record Selected(Dataset<Row> problems, Dataset<Row> rejects) {}

    /**
     * @param count training problems at most, or {@link GenerateConfig#ALL}
     * @param seed mixed into the hash that orders the problems
     */
    public static Selected byHash(SparkSession spark, Dataset<Row> candidates, int heldout, int count, long seed) {
        Dataset<Row> ranked = candidates.withColumn(
                "_dup",
                row_number().over(Window.partitionBy("problem_id").orderBy("problem", "gold", "source", "difficulty")));
        Dataset<Row> duplicates = reject(
                ranked.filter(col("_dup").gt(1)), "duplicate_problem_id", lit("another row has the same problem_id"));
        Dataset<Row> unique = ranked.filter(col("_dup").equalTo(1)).drop("_dup");
        // Only (id, hash) goes through the one-partition window; the problems join back.
        Dataset<Row> order = unique.select(
                        col("problem_id").as("_id"),
                        xxhash64(col("problem_id"), lit(seed)).as("_h"))
                .withColumn("_rank", row_number().over(Window.orderBy("_h", "_id")));
        Column rank = col("_rank");
        Column split = when(rank.leq(heldout), lit("heldout"));
        split = count == GenerateConfig.ALL
                ? split.otherwise(lit("train"))
                : split.when(rank.leq((long) heldout + count), lit("train"));
        Dataset<Row> assigned = unique.join(order, unique.col("problem_id").equalTo(order.col("_id")))
                .withColumn("split", split);
        Dataset<Row> beyond = reject(
                assigned.filter(col("split").isNull()),
                "beyond_problems_count",
                count == GenerateConfig.ALL ? lit(null) : lit("problems.count = " + count));
        Selected kept = dropHeldoutOverlaps(spark, assigned.filter(col("split").isNotNull()));
        return new Selected(kept.problems(), duplicates.union(beyond).union(kept.rejects()));
    }

    /**
     * Drops held-out problems whose text is also a training problem's (they would leak into training), as rejects
     * {@code heldout_overlaps_train}.
     */
    public static Selected dropHeldoutOverlaps(SparkSession spark, Dataset<Row> problems) {
        Dataset<Row> trainText = problems.filter(col("split").equalTo("train"))
                .select(col("problem").as("_t"))
                .distinct();
        Column overlaps = problems.col("split")
                .equalTo("heldout")
                .and(problems.col("problem").equalTo(col("_t")));
        Dataset<Row> kept = problems.join(trainText, overlaps, "left_anti");
        Dataset<Row> leaking = problems.join(trainText, overlaps, "left_semi");
        Dataset<Row> table = kept.select("problem_id", "problem", "gold", "source", "difficulty", "split");
        return new Selected(
                spark.createDataFrame(table.toJavaRDD(), SparkSchemas.PROBLEMS),
                reject(leaking, "heldout_overlaps_train", lit("the same problem text is a training problem")));
    }

    /** Reject rows ({@link SparkSchemas#REJECTS} columns) of the generate stage. */
    static Dataset<Row> reject(Dataset<Row> rows, String reason, Column detail) {
        return rows.select(
                lit("generate").as("stage"),
                lit(reason).as("reason"),
                col("problem_id"),
                lit(null).cast(DataTypes.IntegerType).as("sample_idx"),
                detail.cast(DataTypes.StringType).as("detail"));
    }

    /** {@code "<prefix><value>"}, or null when the value is null. */
    static Column labelled(String prefix, Column value) {
        return concat(lit(prefix), value.cast(DataTypes.StringType));
    }
}
