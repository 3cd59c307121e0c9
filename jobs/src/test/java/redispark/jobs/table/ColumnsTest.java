package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** A table's columns, each declared once: in order, with their nullability, and no more once the schema is built. */
class ColumnsTest {

    @Test
    void columnsKeepTheirOrderAndNullability() {
        Columns.Spec spec = Columns.spec(VerdictStruct.SCHEMA);
        assertThat(spec.required("n", IntegerType)).isEqualTo("n");
        spec.optional("note", StringType);
        StructType schema = spec.struct();
        assertThat(schema.fieldNames()).containsExactly("correct", "extracted", "reason", "n", "note");
        assertThat(schema.apply("n").nullable()).isFalse();
        assertThat(schema.apply("note").nullable()).isTrue();
    }

    @Test
    void aColumnDeclaredTwiceOrLateIsRefused() {
        Columns.Spec spec = Columns.spec();
        spec.required("a", StringType);
        assertThatThrownBy(() -> spec.optional("a", IntegerType)).hasMessage("column a declared twice");
        spec.struct();
        assertThatThrownBy(() -> spec.required("b", StringType))
                .hasMessage("column b declared after the schema was built");
    }

    @Test
    void aRowNeedsOneValuePerColumn() {
        assertThat(VerdictStruct.row(true, "2", "match").toSeq().size()).isEqualTo(3);
        assertThatThrownBy(() -> Columns.row(VerdictStruct.SCHEMA, true, "2"))
                .hasMessage("2 values for the 3 columns correct, extracted, reason");
    }
}
