package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static redispark.jobs.table.Columns.required;

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

    public static final String PROBLEM_ID = TracesTable.PROBLEM_ID;
    public static final String SAMPLE_IDX = TracesTable.SAMPLE_IDX;
    /** The problem text. */
    public static final String PROMPT = "prompt";
    /** The trace's text. */
    public static final String COMPLETION = "completion";

    public static final String PROMPT_TOKENS = TracesTable.PROMPT_TOKENS;
    public static final String COMPLETION_TOKENS = TracesTable.COMPLETION_TOKENS;
    public static final String SOURCE = TracesTable.SOURCE;
    public static final String DIFFICULTY = TracesTable.DIFFICULTY;

    /** The columns of a trace kept for training, shared with {@link PositivesTable}. */
    static final StructType TRAINING_TRACE = Columns.struct(
            required(PROBLEM_ID, StringType),
            required(SAMPLE_IDX, IntegerType),
            required(PROMPT, StringType),
            required(COMPLETION, StringType),
            required(PROMPT_TOKENS, IntegerType),
            required(COMPLETION_TOKENS, IntegerType),
            required(SOURCE, StringType),
            required(DIFFICULTY, IntegerType));

    public static final StructType SCHEMA = TRAINING_TRACE;

    public static final TableLayout LAYOUT = new TableLayout(NAME, VERSION, SCHEMA);
}
