package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.StringType;
import static redispark.jobs.table.Columns.optional;
import static redispark.jobs.table.Columns.required;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * The problems curation removes before the split, and why; their traces become {@link RejectsTable} rows of the
 * split stage. {@link #BENCHMARK} names the benchmark a contaminated problem overlaps (null for duplicates).
 */
public final class RemovedProblemsFrame {
    private RemovedProblemsFrame() {}

    public static final String PROBLEM_ID = ProblemsTable.PROBLEM_ID;
    public static final String REASON = RejectsTable.REASON;
    public static final String DETAIL = RejectsTable.DETAIL;
    public static final String BENCHMARK = "benchmark";

    public static final StructType SCHEMA = Columns.struct(
            required(PROBLEM_ID, StringType),
            required(REASON, StringType),
            optional(DETAIL, StringType),
            optional(BENCHMARK, StringType));

    public static Row row(String problemId, String reason, String detail, String benchmark) {
        return RowFactory.create(problemId, reason, detail, benchmark);
    }
}
