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
import redispark.jobs.table.ProblemCandidatesFrame;
import redispark.jobs.table.ProblemsTable;
import redispark.jobs.table.RejectsTable;

/**
 * Turns candidate problems ({@code problem_id, problem, gold, source, difficulty}) into the {@code problems}
 * table: one row per id, a held-out split chosen by hash, at most {@code problems.count} training problems, and no
 * held-out problem whose text is also a training problem. Every candidate ends as a problem or a reject.
 */
public final class ProblemSelection {
    private ProblemSelection() {}

    /** Problems ({@link ProblemsTable}) and rejects ({@link RejectsTable}). */
    public record Selected(Dataset<Row> problems, Dataset<Row> rejects) {}

    /**
     * @param count training problems at most, or {@link GenerateConfig#ALL}
     * @param seed mixed into the hash that orders the problems
     */
    public static Selected byHash(SparkSession spark, Dataset<Row> candidates, int heldout, int count, long seed) {
        Dataset<Row> ranked = candidates.withColumn(
                "_dup",
                row_number()
                        .over(Window.partitionBy(ProblemCandidatesFrame.PROBLEM_ID)
                                .orderBy(
                                        ProblemCandidatesFrame.PROBLEM,
                                        ProblemCandidatesFrame.GOLD,
                                        ProblemCandidatesFrame.SOURCE,
                                        ProblemCandidatesFrame.DIFFICULTY)));
        Dataset<Row> duplicates = reject(
                ranked.filter(col("_dup").gt(1)), "duplicate_problem_id", lit("another row has the same problem_id"));
        Dataset<Row> unique = ranked.filter(col("_dup").equalTo(1)).drop("_dup");
        // Only (id, hash) goes through the one-partition window; the problems join back.
        Dataset<Row> order = unique.select(
                        col(ProblemCandidatesFrame.PROBLEM_ID).as("_id"),
                        xxhash64(col(ProblemCandidatesFrame.PROBLEM_ID), lit(seed))
                                .as("_h"))
                .withColumn("_rank", row_number().over(Window.orderBy("_h", "_id")));
        Column rank = col("_rank");
        Column split = when(rank.leq(heldout), lit(ProblemsTable.HELDOUT));
        split = count == GenerateConfig.ALL
                ? split.otherwise(lit(ProblemsTable.TRAIN))
                : split.when(rank.leq((long) heldout + count), lit(ProblemsTable.TRAIN));
        Dataset<Row> assigned = unique.join(
                        order, unique.col(ProblemCandidatesFrame.PROBLEM_ID).equalTo(order.col("_id")))
                .withColumn(ProblemsTable.SPLIT, split);
        Dataset<Row> beyond = reject(
                assigned.filter(col(ProblemsTable.SPLIT).isNull()),
                "beyond_problems_count",
                count == GenerateConfig.ALL ? lit(null) : lit("problems.count = " + count));
        Selected kept = dropHeldoutOverlaps(
                spark, assigned.filter(col(ProblemsTable.SPLIT).isNotNull()));
        return new Selected(kept.problems(), duplicates.union(beyond).union(kept.rejects()));
    }

    /**
     * Drops held-out problems whose text is also a training problem's (they would leak into training), as rejects
     * {@code heldout_overlaps_train}.
     */
    public static Selected dropHeldoutOverlaps(SparkSession spark, Dataset<Row> problems) {
        Dataset<Row> trainText = problems.filter(col(ProblemsTable.SPLIT).equalTo(ProblemsTable.TRAIN))
                .select(col(ProblemsTable.PROBLEM).as("_t"))
                .distinct();
        Column overlaps = problems.col(ProblemsTable.SPLIT)
                .equalTo(ProblemsTable.HELDOUT)
                .and(problems.col(ProblemsTable.PROBLEM).equalTo(col("_t")));
        Dataset<Row> kept = problems.join(trainText, overlaps, "left_anti");
        Dataset<Row> leaking = problems.join(trainText, overlaps, "left_semi");
        return new Selected(
                spark.createDataFrame(ProblemsTable.conform(kept).toJavaRDD(), ProblemsTable.SCHEMA),
                reject(leaking, "heldout_overlaps_train", lit("the same problem text is a training problem")));
    }

    /** Reject rows ({@link RejectsTable} columns) of the generate stage. */
    static Dataset<Row> reject(Dataset<Row> rows, String reason, Column detail) {
        return rows.select(
                lit("generate").as(RejectsTable.STAGE),
                lit(reason).as(RejectsTable.REASON),
                col(ProblemsTable.PROBLEM_ID).as(RejectsTable.PROBLEM_ID),
                lit(null).cast(DataTypes.IntegerType).as(RejectsTable.SAMPLE_IDX),
                detail.cast(DataTypes.StringType).as(RejectsTable.DETAIL));
    }

    /** {@code "<prefix><value>"}, or null when the value is null. */
    static Column labelled(String prefix, Column value) {
        return concat(lit(prefix), value.cast(DataTypes.StringType));
    }
}
