package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * {@code pairs}: one correct ({@link #CHOSEN}) and one incorrect ({@link #REJECTED}) trace of the same problem, taken
 * from {@link PositivesTable} and {@link NegativesTable}; unique by {@link #KEY}.
 */
public final class PairsTable {
    private PairsTable() {}

    public static final String NAME = "pairs";
    public static final int VERSION = 1;

    private static final Columns.Spec COLUMNS = Columns.spec();

    public static final String PROBLEM_ID = COLUMNS.required(PositivesTable.PROBLEM_ID, StringType);
    public static final String PROMPT = COLUMNS.required(PositivesTable.PROMPT, StringType);
    public static final String CHOSEN = COLUMNS.required("chosen", StringType);
    public static final String REJECTED = COLUMNS.required("rejected", StringType);
    /** The chosen trace's {@link PositivesTable#SAMPLE_IDX}. */
    public static final String CHOSEN_IDX = COLUMNS.required("chosen_idx", IntegerType);
    /** The rejected trace's {@link NegativesTable#SAMPLE_IDX}. */
    public static final String REJECTED_IDX = COLUMNS.required("rejected_idx", IntegerType);

    public static final String PROMPT_TOKENS = COLUMNS.required(PositivesTable.PROMPT_TOKENS, IntegerType);
    public static final String CHOSEN_TOKENS = COLUMNS.required("chosen_tokens", IntegerType);
    public static final String REJECTED_TOKENS = COLUMNS.required("rejected_tokens", IntegerType);

    /** A pair's identity. */
    public static final List<String> KEY = List.of(PROBLEM_ID, CHOSEN_IDX, REJECTED_IDX);

    public static final StructType SCHEMA = COLUMNS.struct();

    public static final TableLayout LAYOUT = new TableLayout(NAME, VERSION, SCHEMA);

    /** The frame's columns of this table, in its order and types. */
    public static Dataset<Row> conform(Dataset<Row> frame) {
        return Columns.conform(frame, SCHEMA, NAME);
    }
}
