package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.StringType;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * The problems curation removes before the split, and why; their traces become {@link RejectsTable} rows of the
 * split stage. {@link #BENCHMARK} names the benchmark a contaminated problem overlaps (null for duplicates).
 */
public final class RemovedProblemsFrame {
    private RemovedProblemsFrame() {}

    private static final Columns.Spec COLUMNS = Columns.spec();

    public static final String PROBLEM_ID = COLUMNS.required(ProblemsTable.PROBLEM_ID, StringType);
    public static final String REASON = COLUMNS.required(RejectsTable.REASON, StringType);
    public static final String DETAIL = COLUMNS.optional(RejectsTable.DETAIL, StringType);
    public static final String BENCHMARK = COLUMNS.optional("benchmark", StringType);

    public static final StructType SCHEMA = COLUMNS.struct();

    public static Row row(String problemId, String reason, String detail, String benchmark) {
        return Columns.row(SCHEMA, problemId, reason, detail, benchmark);
    }
}
