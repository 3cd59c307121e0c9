package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static redispark.jobs.table.Columns.optional;

import org.apache.spark.sql.types.StructType;

/**
 * Labelled traces measured as training sees them, before the split: the input's columns with
 * {@link #PROMPT_TOKENS} and {@link #COMPLETION_TOKENS} replaced by the tokenizer's counts (chat template, end of
 * sequence), or {@link #ADMISSION_REASON} set (and the counts null) when training would refuse the trace whatever its
 * length.
 */
public final class MeasuredTracesFrame {
    private MeasuredTracesFrame() {}

    public static final String PROMPT_TOKENS = TracesTable.PROMPT_TOKENS;
    public static final String COMPLETION_TOKENS = TracesTable.COMPLETION_TOKENS;
    public static final String ADMISSION_REASON = "admission_reason";

    /** {@code input} (without token counts) followed by the measured columns. */
    public static StructType schema(StructType input) {
        return Columns.extend(
                input,
                optional(PROMPT_TOKENS, IntegerType),
                optional(COMPLETION_TOKENS, IntegerType),
                optional(ADMISSION_REASON, StringType));
    }
}
