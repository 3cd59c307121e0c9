package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static redispark.jobs.table.Columns.optional;
import static redispark.jobs.table.Columns.required;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
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

    public static final String PROBLEM_ID = PairsTable.PROBLEM_ID;
    public static final String CHOSEN_IDX = PairsTable.CHOSEN_IDX;
    public static final String REJECTED_IDX = PairsTable.REJECTED_IDX;
    public static final String REF_CHOSEN_LOGPS = "ref_chosen_logps";
    public static final String REF_REJECTED_LOGPS = "ref_rejected_logps";
    public static final String CHOSEN_TOKENS = PairsTable.CHOSEN_TOKENS;
    public static final String REJECTED_TOKENS = PairsTable.REJECTED_TOKENS;
    public static final String REASON = "reason";

    public static final List<String> KEY = PairsTable.KEY;

    public static final StructType SCHEMA = Columns.struct(
            required(PROBLEM_ID, StringType),
            required(CHOSEN_IDX, IntegerType),
            required(REJECTED_IDX, IntegerType),
            optional(REF_CHOSEN_LOGPS, DoubleType),
            optional(REF_REJECTED_LOGPS, DoubleType),
            optional(CHOSEN_TOKENS, IntegerType),
            optional(REJECTED_TOKENS, IntegerType),
            optional(REASON, StringType));

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
        Object[] v = new Object[SCHEMA.size()];
        v[SCHEMA.fieldIndex(PROBLEM_ID)] = problemId;
        v[SCHEMA.fieldIndex(CHOSEN_IDX)] = chosenIdx;
        v[SCHEMA.fieldIndex(REJECTED_IDX)] = rejectedIdx;
        v[SCHEMA.fieldIndex(REF_CHOSEN_LOGPS)] = chosen;
        v[SCHEMA.fieldIndex(REF_REJECTED_LOGPS)] = rejected;
        v[SCHEMA.fieldIndex(CHOSEN_TOKENS)] = chosenTokens;
        v[SCHEMA.fieldIndex(REJECTED_TOKENS)] = rejectedTokens;
        v[SCHEMA.fieldIndex(REASON)] = reason;
        return RowFactory.create(v);
    }
}
