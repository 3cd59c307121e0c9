package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static redispark.jobs.table.Columns.optional;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * The rows of a problem table ({@code problems.source = table}, Parquet or JSONL) in the configured columns, before
 * they are checked: {@link #BAD} is a reject reason found while reading (a line that is no JSON object), or null, and
 * {@link #DETAIL} says more.
 */
public final class RawProblemsFrame {
    private RawProblemsFrame() {}

    public static final String PROBLEM = "problem";
    public static final String ANSWER = "answer";
    public static final String ID = "id";
    public static final String DIFFICULTY = "difficulty";
    public static final String BAD = "bad";
    public static final String DETAIL = "detail";

    public static final StructType SCHEMA = Columns.struct(
            optional(PROBLEM, StringType),
            optional(ANSWER, StringType),
            optional(ID, StringType),
            optional(DIFFICULTY, IntegerType),
            optional(BAD, StringType),
            optional(DETAIL, StringType));

    public static Row row(String problem, String answer, String id, Integer difficulty, String bad, String detail) {
        return RowFactory.create(problem, answer, id, difficulty, bad, detail);
    }
}
