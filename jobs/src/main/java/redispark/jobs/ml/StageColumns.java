package redispark.jobs.ml;

import java.util.Arrays;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The checks a stage makes of its input columns, each naming the Param to set when it fails. */
final class StageColumns {
    private StageColumns() {}

    /** Fails with the column list unless the column that {@code stage}'s {@code param} names exists. */
    static void require(StructType schema, Params stage, Param<String> param) {
        String column = stage.getOrDefault(param);
        if (!Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException("column '" + column + "' not found; set Param " + param.name()
                    + " (columns: " + String.join(", ", schema.fieldNames()) + ")");
        }
    }

    /** As {@link #require}, and the column must hold strings. */
    static void requireString(StructType schema, Params stage, Param<String> param) {
        require(schema, stage, param);
        String column = stage.getOrDefault(param);
        if (!schema.apply(column).dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("column '" + column + "' must be a string, is "
                    + schema.apply(column).dataType().simpleString() + " (Param " + param.name() + ")");
        }
    }

    /** Fails unless the output column that {@code stage}'s {@code param} names is still free. */
    static void requireFree(StructType schema, Params stage, Param<String> param) {
        String column = stage.getOrDefault(param);
        if (Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException(
                    "output column '" + column + "' already exists; set Param " + param.name() + " to another name");
        }
    }
}
