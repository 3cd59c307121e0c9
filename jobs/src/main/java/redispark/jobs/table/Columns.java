package redispark.jobs.table;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * How the table classes of this package declare their columns and bring a frame into their layout. A table declares
 * each column once, as its name constant: {@code NAME = COLUMNS.required("name", StringType)} adds it to the table's
 * {@link Spec} in declaration order, and the schema is {@code COLUMNS.struct()} after the last one.
 */
final class Columns {
    private Columns() {}

    /** A new table's columns, none yet. */
    static Spec spec() {
        return new Spec(new StructType());
    }

    /** A table with {@code base}'s columns and the ones declared after. */
    static Spec spec(StructType base) {
        return new Spec(base);
    }

    /** The columns of one table while its class is initialised; {@link #struct} ends the declaration. */
    static final class Spec {
        private final List<StructField> fields;
        private boolean done;

        private Spec(StructType base) {
            fields = new ArrayList<>(Arrays.asList(base.fields()));
        }

        /** Adds a column that is never null; returns its name. */
        String required(String name, DataType type) {
            return add(Columns.required(name, type));
        }

        /** Adds a column that may be null; returns its name. */
        String optional(String name, DataType type) {
            return add(Columns.optional(name, type));
        }

        private String add(StructField f) {
            if (done) {
                throw new IllegalStateException("column " + f.name() + " declared after the schema was built");
            }
            if (fields.stream().anyMatch(g -> g.name().equals(f.name()))) {
                throw new IllegalStateException("column " + f.name() + " declared twice");
            }
            fields.add(f);
            return f.name();
        }

        /** The schema: the columns in declaration order. */
        StructType struct() {
            done = true;
            return new StructType(fields.toArray(StructField[]::new));
        }
    }

    /** A column that is never null. */
    static StructField required(String name, DataType type) {
        return new StructField(name, type, false, Metadata.empty());
    }

    /** A column that may be null. */
    static StructField optional(String name, DataType type) {
        return new StructField(name, type, true, Metadata.empty());
    }

    /** {@code base}'s columns followed by {@code more}. */
    static StructType extend(StructType base, StructField... more) {
        List<StructField> all = new ArrayList<>(Arrays.asList(base.fields()));
        all.addAll(Arrays.asList(more));
        return new StructType(all.toArray(StructField[]::new));
    }

    /** A row of {@code schema} from its values in column order; the count must match. */
    static Row row(StructType schema, Object... values) {
        if (values.length != schema.size()) {
            throw new IllegalArgumentException(values.length + " values for the " + schema.size() + " columns "
                    + String.join(", ", schema.fieldNames()));
        }
        return RowFactory.create(values);
    }

    /** The array type of non-null ints. */
    static DataType intArray() {
        return DataTypes.createArrayType(DataTypes.IntegerType, false);
    }

    /**
     * {@code frame}'s columns of {@code schema}, by name, in the schema's order and cast to its types (extra columns
     * dropped); a missing column is an error naming it and the frame's columns.
     */
    static Dataset<Row> conform(Dataset<Row> frame, StructType schema, String what) {
        List<String> have = Arrays.asList(frame.columns());
        for (String name : schema.fieldNames()) {
            if (!have.contains(name)) {
                throw new IllegalArgumentException(
                        what + ": column '" + name + "' missing (columns: " + String.join(", ", have) + ")");
            }
        }
        return frame.select(columns(schema, name -> col(name)));
    }

    /** {@code schema}'s columns in its order, each {@code valueOf} its name cast to its type. */
    static Column[] columns(StructType schema, Function<String, Column> valueOf) {
        List<Column> out = new ArrayList<>();
        for (StructField f : schema.fields()) {
            out.add(valueOf.apply(f.name()).cast(f.dataType()).as(f.name()));
        }
        return out.toArray(Column[]::new);
    }
}
