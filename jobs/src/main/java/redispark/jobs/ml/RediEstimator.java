package redispark.jobs.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;

import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import redispark.train.Recipe;
import redispark.train.objective.Objective;

/**
 * Stage 2 as a Spark ML estimator: REDI (or its unpaired form, or the DPO / SimPO baselines) from an SFT model
 * ({@code baseModel}), trained by {@code workers} data-parallel replicas.
 *
 * <ul>
 *   <li>{@code redi}, {@code simpo}: one row per pair, {@code chosenCol} (correct) and {@code rejectedCol};
 *   <li>{@code dpo}: the same plus the reference model's summed completion log-probs in {@code refChosenCol} and
 *       {@code refRejectedCol} (the train-redi stage computes them with {@code RefLogProbsJob});
 *   <li>{@code redi-unpaired}: one row per completion, {@code completionCol} and the boolean {@code correctCol}.
 * </ul>
 *
 * <pre>{@code
 * StudentModel redi = new RediEstimator().setBaseModel(sftDir).setAlpha(0.8).setWorkers(2).fit(pairs);
 * }</pre>
 */
public final class RediEstimator extends StudentEstimator<RediEstimator> {
    private final Param<String> objective;
    private final DoubleParam alpha;
    private final DoubleParam beta;
    private final DoubleParam gamma;
    private final Param<String> chosenCol;
    private final Param<String> rejectedCol;
    private final Param<String> completionCol;
    private final Param<String> correctCol;
    private final Param<String> refChosenCol;
    private final Param<String> refRejectedCol;

    public RediEstimator() {
        this(Identifiable$.MODULE$.randomUID("rediEstimator"));
    }

    public RediEstimator(String uid) {
        super(uid);
        objective = new Param<>(
                this, "objective", "redi, redi-unpaired, dpo or simpo", ParamValidators.inArray(new String[] {
                    "redi", "redi-unpaired", "dpo", "simpo"
                }));
        alpha = new DoubleParam(
                this, "alpha", "REDI: weight of the negative term, in [0, 1]", ParamValidators.inRange(0, 1));
        beta = new DoubleParam(this, "beta", "DPO / SimPO: beta", ParamValidators.gt(0));
        gamma = new DoubleParam(this, "gamma", "SimPO: target margin");
        chosenCol = new Param<>(this, "chosenCol", "pairs: column with the correct completion");
        rejectedCol = new Param<>(this, "rejectedCol", "pairs: column with the incorrect completion");
        completionCol = new Param<>(this, "completionCol", "redi-unpaired: column with the completion");
        correctCol = new Param<>(this, "correctCol", "redi-unpaired: boolean column, whether it is correct");
        refChosenCol = new Param<>(this, "refChosenCol", "dpo: reference log-prob sum of the chosen completion");
        refRejectedCol = new Param<>(this, "refRejectedCol", "dpo: reference log-prob sum of the rejected one");
        setDefault(objective, "redi");
        setDefault(chosenCol, "chosen");
        setDefault(rejectedCol, "rejected");
        setDefault(completionCol, "completion");
        setDefault(correctCol, "correct");
        setDefault(refChosenCol, "ref_chosen_logps");
        setDefault(refRejectedCol, "ref_rejected_logps");
    }

    public static MLReader<RediEstimator> read() {
        return new DefaultParamsReadable<RediEstimator>() {}.read();
    }

    public static RediEstimator load(String path) {
        return read().load(path);
    }

    public Param<String> objective() {
        return objective;
    }

    public DoubleParam alpha() {
        return alpha;
    }

    public DoubleParam beta() {
        return beta;
    }

    public DoubleParam gamma() {
        return gamma;
    }

    public Param<String> chosenCol() {
        return chosenCol;
    }

    public Param<String> rejectedCol() {
        return rejectedCol;
    }

    public Param<String> completionCol() {
        return completionCol;
    }

    public Param<String> correctCol() {
        return correctCol;
    }

    public Param<String> refChosenCol() {
        return refChosenCol;
    }

    public Param<String> refRejectedCol() {
        return refRejectedCol;
    }

    public RediEstimator setObjective(String v) {
        set(objective, v);
        return this;
    }

    public RediEstimator setAlpha(double v) {
        set(alpha, v);
        return this;
    }

    public RediEstimator setBeta(double v) {
        set(beta, v);
        return this;
    }

    public RediEstimator setGamma(double v) {
        set(gamma, v);
        return this;
    }

    public RediEstimator setChosenCol(String v) {
        set(chosenCol, v);
        return this;
    }

    public RediEstimator setRejectedCol(String v) {
        set(rejectedCol, v);
        return this;
    }

    public RediEstimator setCompletionCol(String v) {
        set(completionCol, v);
        return this;
    }

    public RediEstimator setCorrectCol(String v) {
        set(correctCol, v);
        return this;
    }

    public RediEstimator setRefChosenCol(String v) {
        set(refChosenCol, v);
        return this;
    }

    public RediEstimator setRefRejectedCol(String v) {
        set(refRejectedCol, v);
        return this;
    }

    @Override
    protected Objective trainedObjective() {
        return Objective.parse($(objective));
    }

    @Override
    protected Recipe objectiveParams(Recipe r) {
        if (isSet(alpha)) {
            r = r.withAlpha((Double) $(alpha));
        }
        if (isSet(beta)) {
            r = r.withBeta((Double) $(beta));
        }
        if (isSet(gamma)) {
            r = r.withGamma((Double) $(gamma));
        }
        return r;
    }

    @Override
    protected Dataset<Row> trainingColumns(Dataset<Row> d, Column id) {
        transformSchema(d.schema());
        Column prompt = col($(promptCol())).as("prompt");
        return switch (trainedObjective()) {
            case REDI_UNPAIRED ->
                d.select(
                        id.as("id"),
                        prompt,
                        col($(completionCol)).as("first"),
                        noText().as("second"),
                        noRef().as("ref_chosen"),
                        noRef().as("ref_rejected"),
                        not(col($(correctCol)).cast(DataTypes.BooleanType)).as("negative"));
            case DPO ->
                d.select(
                        id.as("id"),
                        prompt,
                        col($(chosenCol)).as("first"),
                        col($(rejectedCol)).as("second"),
                        col($(refChosenCol)).cast(DataTypes.DoubleType).as("ref_chosen"),
                        col($(refRejectedCol)).cast(DataTypes.DoubleType).as("ref_rejected"),
                        lit(false).as("negative"));
            default ->
                d.select(
                        id.as("id"),
                        prompt,
                        col($(chosenCol)).as("first"),
                        col($(rejectedCol)).as("second"),
                        noRef().as("ref_chosen"),
                        noRef().as("ref_rejected"),
                        lit(false).as("negative"));
        };
    }

    @Override
    public StructType transformSchema(StructType schema) {
        super.transformSchema(schema);
        switch (trainedObjective()) {
            case REDI_UNPAIRED -> {
                require(schema, $(completionCol), "completionCol");
                require(schema, $(correctCol), "correctCol");
            }
            case DPO -> {
                require(schema, $(chosenCol), "chosenCol");
                require(schema, $(rejectedCol), "rejectedCol");
                require(schema, $(refChosenCol), "refChosenCol");
                require(schema, $(refRejectedCol), "refRejectedCol");
            }
            default -> {
                require(schema, $(chosenCol), "chosenCol");
                require(schema, $(rejectedCol), "rejectedCol");
            }
        }
        return schema;
    }
}
