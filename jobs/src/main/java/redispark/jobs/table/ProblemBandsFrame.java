package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * Near-duplicate search: one row per problem and band of its MinHash signature, {@link #BAND_KEY} the band's rows
 * folded into one number (problems that share a key are candidates).
 */
public final class ProblemBandsFrame {
    private ProblemBandsFrame() {}

    private static final Columns.Spec COLUMNS = Columns.spec();

    public static final String PROBLEM_ID = COLUMNS.required(ProblemsTable.PROBLEM_ID, StringType);
    public static final String BAND_KEY = COLUMNS.required("band_key", LongType);

    public static final StructType SCHEMA = COLUMNS.struct();

    public static Row row(String problemId, long bandKey) {
        return Columns.row(SCHEMA, problemId, bandKey);
    }
}
