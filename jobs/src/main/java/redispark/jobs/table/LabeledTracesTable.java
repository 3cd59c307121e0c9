package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static redispark.jobs.table.Columns.optional;
import static redispark.jobs.table.Columns.required;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * {@code labeled}: every trace that has text — the {@link TracesTable} columns (named there) — with the verifier's verdict ({@link VerdictStruct}) and the verifier's
 * version; {@link #REASON} says why the answer was judged so (a verifier reason, or a dataset label's).
 */
public final class LabeledTracesTable {
    private LabeledTracesTable() {}

    public static final String NAME = "labeled";
    public static final int VERSION = 1;

    public static final String CORRECT = VerdictStruct.CORRECT;
    public static final String EXTRACTED = VerdictStruct.EXTRACTED;
    public static final String REASON = VerdictStruct.REASON;
    public static final String VERIFIER_VERSION = "verifier_version";

    public static final StructType SCHEMA = Columns.extend(
            TracesTable.SCHEMA,
            required(CORRECT, BooleanType),
            optional(EXTRACTED, StringType),
            required(REASON, StringType),
            required(VERIFIER_VERSION, StringType));

    public static final TableLayout LAYOUT = new TableLayout(NAME, VERSION, SCHEMA);

    /** A {@link TracesTable} row with its verdict. */
    public static Row row(Row trace, boolean correct, String extracted, String reason, String verifierVersion) {
        Object[] v = new Object[SCHEMA.size()];
        for (String column : TracesTable.SCHEMA.fieldNames()) {
            v[SCHEMA.fieldIndex(column)] = trace.get(TracesTable.SCHEMA.fieldIndex(column));
        }
        v[SCHEMA.fieldIndex(CORRECT)] = correct;
        v[SCHEMA.fieldIndex(EXTRACTED)] = extracted;
        v[SCHEMA.fieldIndex(REASON)] = reason;
        v[SCHEMA.fieldIndex(VERIFIER_VERSION)] = verifierVersion;
        return RowFactory.create(v);
    }
}
