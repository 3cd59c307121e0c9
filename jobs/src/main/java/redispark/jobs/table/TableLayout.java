package redispark.jobs.table;

import java.util.Arrays;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What a table class declares: its name in the run directory (the folder, or the folder its instances live under),
 * the version of its layout and its columns. The version goes up with every change of the columns, so a reader of an
 * older run directory can tell the layouts apart.
 */
public record TableLayout(String name, int version, StructType schema) {
    /** {@code <name>-v<version>}, a folder name: where a table's reference copy is kept. */
    public String versionedName() {
        return name.replace('/', '_') + "-v" + version;
    }

    /** The schema as Spark reads the table back from Parquet: the same columns, every one nullable. */
    public StructType asRead() {
        return new StructType(Arrays.stream(schema.fields())
                .map(f -> new StructField(f.name(), f.dataType(), true, Metadata.empty()))
                .toArray(StructField[]::new));
    }
}
