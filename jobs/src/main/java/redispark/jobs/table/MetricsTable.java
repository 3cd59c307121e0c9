package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static redispark.jobs.table.Columns.required;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/** {@code metrics/<run>}: a training run's step metrics in long form, one row per metric per optimizer step. */
public final class MetricsTable {
    private MetricsTable() {}

    /** The folder the tables live under, one per training run. */
    public static final String NAME = "metrics";

    public static final int VERSION = 1;

    public static final String STEP = "step";
    public static final String METRIC = "name";
    public static final String VALUE = "value";

    public static final StructType SCHEMA =
            Columns.struct(required(STEP, IntegerType), required(METRIC, StringType), required(VALUE, DoubleType));

    public static final TableLayout LAYOUT = new TableLayout(NAME, VERSION, SCHEMA);

    /** The table of one training run. */
    public static String of(String runName) {
        return NAME + "/" + runName;
    }

    public static Row row(int step, String metric, double value) {
        return RowFactory.create(step, metric, value);
    }
}
