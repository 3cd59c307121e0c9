package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/** The struct the {@code math_verify(pred, gold)} SQL function returns: the verifier's verdict on one answer. */
public final class VerdictStruct {
    private VerdictStruct() {}

    private static final Columns.Spec COLUMNS = Columns.spec();

    public static final String CORRECT = COLUMNS.required("correct", BooleanType);
    public static final String EXTRACTED = COLUMNS.optional("extracted", StringType);
    public static final String REASON = COLUMNS.required("reason", StringType);

    public static final StructType SCHEMA = COLUMNS.struct();

    public static Row row(boolean correct, String extracted, String reason) {
        return Columns.row(SCHEMA, correct, extracted, reason);
    }
}
