package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * The rows of a problem table ({@code problems.source = table}, Parquet or JSONL) in the configured columns, before
 * they are checked: {@link #BAD} is a reject reason found while reading (a line that is no JSON object), or null, and
 * {@link #DETAIL} says more.
 */
public final class RawProblemsFrame {
    private RawProblemsFrame() {}

    private static final Columns.Spec COLUMNS = Columns.spec();

    public static final String PROBLEM = COLUMNS.optional("problem", StringType);
    public static final String ANSWER = COLUMNS.optional("answer", StringType);
    public static final String ID = COLUMNS.optional("id", StringType);
    public static final String DIFFICULTY = COLUMNS.optional("difficulty", IntegerType);
    public static final String BAD = COLUMNS.optional("bad", StringType);
    public static final String DETAIL = COLUMNS.optional("detail", StringType);

    public static final StructType SCHEMA = COLUMNS.struct();

    public static Row row(String problem, String answer, String id, Integer difficulty, String bad, String detail) {
        return Columns.row(SCHEMA, problem, answer, id, difficulty, bad, detail);
    }
}
