package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static redispark.jobs.table.Columns.required;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * Near-duplicate search: one row per problem and band of its MinHash signature, {@link #BAND_KEY} the band's rows
 * folded into one number (problems that share a key are candidates).
 */
public final class ProblemBandsFrame {
    private ProblemBandsFrame() {}

    public static final String PROBLEM_ID = ProblemsTable.PROBLEM_ID;
    public static final String BAND_KEY = "band_key";

    public static final StructType SCHEMA =
            Columns.struct(required(PROBLEM_ID, StringType), required(BAND_KEY, LongType));

    public static Row row(String problemId, long bandKey) {
        return RowFactory.create(problemId, bandKey);
    }
}
