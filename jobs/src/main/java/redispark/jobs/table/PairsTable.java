package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static redispark.jobs.table.Columns.required;

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

    public static final String PROBLEM_ID = PositivesTable.PROBLEM_ID;
    public static final String PROMPT = PositivesTable.PROMPT;
    public static final String CHOSEN = "chosen";
    public static final String REJECTED = "rejected";
    /** The chosen trace's {@link PositivesTable#SAMPLE_IDX}. */
    public static final String CHOSEN_IDX = "chosen_idx";
    /** The rejected trace's {@link NegativesTable#SAMPLE_IDX}. */
    public static final String REJECTED_IDX = "rejected_idx";

    public static final String PROMPT_TOKENS = PositivesTable.PROMPT_TOKENS;
    public static final String CHOSEN_TOKENS = "chosen_tokens";
    public static final String REJECTED_TOKENS = "rejected_tokens";

    /** A pair's identity. */
    public static final List<String> KEY = List.of(PROBLEM_ID, CHOSEN_IDX, REJECTED_IDX);

    public static final StructType SCHEMA = Columns.struct(
            required(PROBLEM_ID, StringType),
            required(PROMPT, StringType),
            required(CHOSEN, StringType),
            required(REJECTED, StringType),
            required(CHOSEN_IDX, IntegerType),
            required(REJECTED_IDX, IntegerType),
            required(PROMPT_TOKENS, IntegerType),
            required(CHOSEN_TOKENS, IntegerType),
            required(REJECTED_TOKENS, IntegerType));

    public static final TableLayout LAYOUT = new TableLayout(NAME, VERSION, SCHEMA);

    /** The frame's columns of this table, in its order and types. */
    public static Dataset<Row> conform(Dataset<Row> frame) {
        return Columns.conform(frame, SCHEMA, NAME);
    }
}
