package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.StringType;

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

    private static final Columns.Spec COLUMNS = Columns.spec(TracesTable.SCHEMA);

    public static final String CORRECT = COLUMNS.required(VerdictStruct.CORRECT, BooleanType);
    public static final String EXTRACTED = COLUMNS.optional(VerdictStruct.EXTRACTED, StringType);
    public static final String REASON = COLUMNS.required(VerdictStruct.REASON, StringType);
    public static final String VERIFIER_VERSION = COLUMNS.required("verifier_version", StringType);

    public static final StructType SCHEMA = COLUMNS.struct();

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
