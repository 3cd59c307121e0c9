package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * {@code ref_logps/<hash>}: the DPO reference model's summed completion log-probs of every pair, keyed by
 * {@link PairsTable#KEY}. {@link #REF_CHOSEN_LOGPS}, {@link #REF_REJECTED_LOGPS}: sums over the trained completion
 * tokens (template tail included); {@link #CHOSEN_TOKENS}, {@link #REJECTED_TOKENS}: those token counts;
 * {@link #REASON}: null, or why the pair has no log-probs (too_long, identical_pair, empty_completion, …; such pairs
 * are refused by training too).
 */
public final class RefLogProbsTable {
    private RefLogProbsTable() {}

    /** The folder the tables live under, one per hash. */
    public static final String NAME = "ref_logps";

    public static final int VERSION = 1;

    private static final Columns.Spec COLUMNS = Columns.spec();

    public static final String PROBLEM_ID = COLUMNS.required(PairsTable.PROBLEM_ID, StringType);
    public static final String CHOSEN_IDX = COLUMNS.required(PairsTable.CHOSEN_IDX, IntegerType);
    public static final String REJECTED_IDX = COLUMNS.required(PairsTable.REJECTED_IDX, IntegerType);
    public static final String REF_CHOSEN_LOGPS = COLUMNS.optional("ref_chosen_logps", DoubleType);
    public static final String REF_REJECTED_LOGPS = COLUMNS.optional("ref_rejected_logps", DoubleType);
    public static final String CHOSEN_TOKENS = COLUMNS.optional(PairsTable.CHOSEN_TOKENS, IntegerType);
    public static final String REJECTED_TOKENS = COLUMNS.optional(PairsTable.REJECTED_TOKENS, IntegerType);
    public static final String REASON = COLUMNS.optional("reason", StringType);

    public static final List<String> KEY = PairsTable.KEY;

    public static final StructType SCHEMA = COLUMNS.struct();

    public static final TableLayout LAYOUT = new TableLayout(NAME, VERSION, SCHEMA);

    /** The table of one hash. */
    public static String of(String hash) {
        return NAME + "/" + hash;
    }

    /** A pair with its reference sums and token counts. */
    public static Row computed(
            String problemId,
            int chosenIdx,
            int rejectedIdx,
            double chosen,
            double rejected,
            int chosenTokens,
            int rejectedTokens) {
        return row(problemId, chosenIdx, rejectedIdx, chosen, rejected, chosenTokens, rejectedTokens, null);
    }

    /** A pair training refuses, and why. */
    public static Row refused(String problemId, int chosenIdx, int rejectedIdx, String reason) {
        return row(problemId, chosenIdx, rejectedIdx, null, null, null, null, reason);
    }

    private static Row row(
            String problemId,
            int chosenIdx,
            int rejectedIdx,
            Double chosen,
            Double rejected,
            Integer chosenTokens,
            Integer rejectedTokens,
            String reason) {
        return Columns.row(
                SCHEMA, problemId, chosenIdx, rejectedIdx, chosen, rejected, chosenTokens, rejectedTokens, reason);
    }
}
