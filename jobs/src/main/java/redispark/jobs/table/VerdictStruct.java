package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static redispark.jobs.table.Columns.optional;
import static redispark.jobs.table.Columns.required;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/** The struct the {@code math_verify(pred, gold)} SQL function returns: the verifier's verdict on one answer. */
public final class VerdictStruct {
    private VerdictStruct() {}

    public static final String CORRECT = "correct";
    public static final String EXTRACTED = "extracted";
    public static final String REASON = "reason";

    public static final StructType SCHEMA = Columns.struct(
            required(CORRECT, BooleanType), optional(EXTRACTED, StringType), required(REASON, StringType));

    public static Row row(boolean correct, String extracted, String reason) {
        return RowFactory.create(correct, extracted, reason);
    }
}
