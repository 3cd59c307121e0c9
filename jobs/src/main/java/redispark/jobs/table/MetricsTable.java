package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/** {@code metrics/<run>}: a training run's step metrics in long form, one row per metric per optimizer step. */
public final class MetricsTable {
    private MetricsTable() {}

    /** The folder the tables live under, one per training run. */
    public static final String NAME = "metrics";

    public static final int VERSION = 1;

    private static final Columns.Spec COLUMNS = Columns.spec();

    public static final String STEP = COLUMNS.required("step", IntegerType);
    public static final String METRIC = COLUMNS.required("name", StringType);
    public static final String VALUE = COLUMNS.required("value", DoubleType);

    public static final StructType SCHEMA = COLUMNS.struct();

    public static final TableLayout LAYOUT = new TableLayout(NAME, VERSION, SCHEMA);

    /** The table of one training run. */
    public static String of(String runName) {
        return NAME + "/" + runName;
    }

    public static Row row(int step, String metric, double value) {
        return Columns.row(SCHEMA, step, metric, value);
    }
}
