package redispark.jobs.table;

import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import redispark.train.RefLogProbs;

/**
 * What distributed training reads, one layout for every objective: {@link #ID} (unique within its kind),
 * {@link #PROMPT}, {@link #FIRST} (the completion, or a pair's chosen one), {@link #SECOND} (a pair's rejected
 * completion), {@link #REF_CHOSEN}/{@link #REF_REJECTED} (a DPO pair's reference sums) and {@link #NEGATIVE} (an
 * unpaired example that is incorrect). Columns an objective does not use are null (false for {@link #NEGATIVE}).
 */
public final class TrainingExampleFrame {
    private TrainingExampleFrame() {}

    private static final Columns.Spec COLUMNS = Columns.spec();

    public static final String ID = COLUMNS.required("id", StringType);
    public static final String PROMPT = COLUMNS.required("prompt", StringType);
    public static final String FIRST = COLUMNS.required("first", StringType);
    public static final String SECOND = COLUMNS.optional("second", StringType);
    public static final String REF_CHOSEN = COLUMNS.optional("ref_chosen", DoubleType);
    public static final String REF_REJECTED = COLUMNS.optional("ref_rejected", DoubleType);
    public static final String NEGATIVE = COLUMNS.required("negative", BooleanType);

    public static final StructType SCHEMA = COLUMNS.struct();

    /** Completions to learn (SFT). */
    public static Dataset<Row> examples(Dataset<Row> d, Column id, Column prompt, Column completion) {
        return select(d, id, prompt, completion, lit(null), lit(null), lit(null), lit(false));
    }

    /** Completions each marked correct or not ({@code negative}): unpaired REDI. */
    public static Dataset<Row> unpaired(Dataset<Row> d, Column id, Column prompt, Column completion, Column negative) {
        return select(d, id, prompt, completion, lit(null), lit(null), lit(null), negative);
    }

    /** Pairs without reference sums (REDI, SimPO). */
    public static Dataset<Row> pairs(Dataset<Row> d, Column id, Column prompt, Column chosen, Column rejected) {
        return pairs(d, id, prompt, chosen, rejected, lit(null), lit(null));
    }

    /** Pairs with the reference model's sums (DPO; null where the reference pass refused the pair). */
    public static Dataset<Row> pairs(
            Dataset<Row> d,
            Column id,
            Column prompt,
            Column chosen,
            Column rejected,
            Column refChosen,
            Column refRejected) {
        return select(d, id, prompt, chosen, rejected, refChosen, refRejected, lit(false));
    }

    private static Dataset<Row> select(
            Dataset<Row> d,
            Column id,
            Column prompt,
            Column first,
            Column second,
            Column refChosen,
            Column refRejected,
            Column negative) {
        Column[] values = {id, prompt, first, second, refChosen, refRejected, negative};
        Column[] out = new Column[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i].cast(SCHEMA.fields()[i].dataType()).as(SCHEMA.fields()[i].name());
        }
        return d.select(out);
    }

    /** The frame's columns of this layout, in its order and types. */
    public static Dataset<Row> conform(Dataset<Row> frame) {
        return Columns.conform(frame, SCHEMA, "training examples");
    }

    public static String id(Row r) {
        return r.getAs(ID);
    }

    public static String prompt(Row r) {
        return r.getAs(PROMPT);
    }

    public static String first(Row r) {
        return r.getAs(FIRST);
    }

    public static String second(Row r) {
        return r.getAs(SECOND);
    }

    public static boolean negative(Row r) {
        return r.<Boolean>getAs(NEGATIVE);
    }

    /** The reference sums of a DPO pair, or null when the row has none. */
    public static RefLogProbs reference(Row r) {
        Double chosen = r.getAs(REF_CHOSEN);
        Double rejected = r.getAs(REF_REJECTED);
        return chosen == null || rejected == null ? null : new RefLogProbs(chosen, rejected);
    }
}
