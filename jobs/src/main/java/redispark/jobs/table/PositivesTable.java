package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.BooleanType;

import org.apache.spark.sql.types.StructType;

/**
 * {@code positives}: one row per trace verified correct, finished and kept for training; the columns of
 * {@link NegativesTable} and {@link #SELECTED}, whether {@code split.sft-selection} picked the trace for SFT.
 */
public final class PositivesTable {
    private PositivesTable() {}

    public static final String NAME = "positives";
    public static final int VERSION = 1;

    public static final String PROBLEM_ID = NegativesTable.PROBLEM_ID;
    public static final String SAMPLE_IDX = NegativesTable.SAMPLE_IDX;
    public static final String PROMPT = NegativesTable.PROMPT;
    public static final String COMPLETION = NegativesTable.COMPLETION;
    public static final String PROMPT_TOKENS = NegativesTable.PROMPT_TOKENS;
    public static final String COMPLETION_TOKENS = NegativesTable.COMPLETION_TOKENS;
    public static final String SOURCE = NegativesTable.SOURCE;
    public static final String DIFFICULTY = NegativesTable.DIFFICULTY;

    private static final Columns.Spec COLUMNS = Columns.spec(NegativesTable.SCHEMA);

    public static final String SELECTED = COLUMNS.required("selected", BooleanType);

    public static final StructType SCHEMA = COLUMNS.struct();

    public static final TableLayout LAYOUT = new TableLayout(NAME, VERSION, SCHEMA);
}
