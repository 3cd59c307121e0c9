package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import org.apache.spark.sql.types.StructType;

/**
 * {@code negatives}: one row per trace verified incorrect and kept for training. The token counts are the lengths
 * training sees (chat template and end-of-sequence token included). {@link PositivesTable} has the same columns and
 * one more.
 */
public final class NegativesTable {
    private NegativesTable() {}

    public static final String NAME = "negatives";
    public static final int VERSION = 1;

    private static final Columns.Spec COLUMNS = Columns.spec();

    public static final String PROBLEM_ID = COLUMNS.required(TracesTable.PROBLEM_ID, StringType);
    public static final String SAMPLE_IDX = COLUMNS.required(TracesTable.SAMPLE_IDX, IntegerType);
    /** The problem text. */
    public static final String PROMPT = COLUMNS.required("prompt", StringType);
    /** The trace's text. */
    public static final String COMPLETION = COLUMNS.required("completion", StringType);

    public static final String PROMPT_TOKENS = COLUMNS.required(TracesTable.PROMPT_TOKENS, IntegerType);
    public static final String COMPLETION_TOKENS = COLUMNS.required(TracesTable.COMPLETION_TOKENS, IntegerType);
    public static final String SOURCE = COLUMNS.required(TracesTable.SOURCE, StringType);
    public static final String DIFFICULTY = COLUMNS.required(TracesTable.DIFFICULTY, IntegerType);

    /** The columns of a trace kept for training, shared with {@link PositivesTable}. */
    public static final StructType SCHEMA = COLUMNS.struct();

    public static final TableLayout LAYOUT = new TableLayout(NAME, VERSION, SCHEMA);
}
