package redispark.jobs.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.not;

import java.util.List;
import java.util.Map;
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
import redispark.jobs.table.LabeledTracesTable;
import redispark.jobs.table.PairsTable;
import redispark.jobs.table.PositivesTable;
import redispark.jobs.table.RefLogProbsTable;
import redispark.jobs.table.TrainingExampleFrame;
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
public final class RediEstimator extends StudentEstimator<RediEstimator> implements HasCompletionCol<RediEstimator> {

    public RediEstimator() {
        this(Identifiable$.MODULE$.randomUID("rediEstimator"));
    }

    public RediEstimator(String uid) {
        super(uid);
        setDefault(objective(), "redi");
        setDefault(chosenCol(), PairsTable.CHOSEN);
        setDefault(rejectedCol(), PairsTable.REJECTED);
        setDefault(completionCol(), PositivesTable.COMPLETION);
        setDefault(correctCol(), LabeledTracesTable.CORRECT);
        setDefault(refChosenCol(), RefLogProbsTable.REF_CHOSEN_LOGPS);
        setDefault(refRejectedCol(), RefLogProbsTable.REF_REJECTED_LOGPS);
    }

    public static MLReader<RediEstimator> read() {
        return new DefaultParamsReadable<RediEstimator>() {}.read();
    }

    public static RediEstimator load(String path) {
        return read().load(path);
    }

    public Param<String> objective() {
        return choice("objective", "redi, redi-unpaired, dpo or simpo", "redi", "redi-unpaired", "dpo", "simpo");
    }

    public DoubleParam alpha() {
        return new DoubleParam(
                this, "alpha", "REDI: weight of the negative term, in [0, 1]", ParamValidators.inRange(0, 1));
    }

    public DoubleParam beta() {
        return new DoubleParam(this, "beta", "DPO / SimPO: beta", ParamValidators.gt(0));
    }

    public DoubleParam gamma() {
        return new DoubleParam(this, "gamma", "SimPO: target margin");
    }

    public Param<String> chosenCol() {
        return new Param<>(this, "chosenCol", "pairs: column with the correct completion");
    }

    public Param<String> rejectedCol() {
        return new Param<>(this, "rejectedCol", "pairs: column with the incorrect completion");
    }

    public Param<String> correctCol() {
        return new Param<>(this, "correctCol", "redi-unpaired: boolean column, whether it is correct");
    }

    public Param<String> refChosenCol() {
        return new Param<>(this, "refChosenCol", "dpo: reference log-prob sum of the chosen completion");
    }

    public Param<String> refRejectedCol() {
        return new Param<>(this, "refRejectedCol", "dpo: reference log-prob sum of the rejected one");
    }

    public RediEstimator setObjective(String v) {
        return setParam(objective(), v);
    }

    public RediEstimator setAlpha(double v) {
        return setParam(alpha(), v);
    }

    public RediEstimator setBeta(double v) {
        return setParam(beta(), v);
    }

    public RediEstimator setGamma(double v) {
        return setParam(gamma(), v);
    }

    public RediEstimator setChosenCol(String v) {
        return setParam(chosenCol(), v);
    }

    public RediEstimator setRejectedCol(String v) {
        return setParam(rejectedCol(), v);
    }

    public RediEstimator setCorrectCol(String v) {
        return setParam(correctCol(), v);
    }

    public RediEstimator setRefChosenCol(String v) {
        return setParam(refChosenCol(), v);
    }

    public RediEstimator setRefRejectedCol(String v) {
        return setParam(refRejectedCol(), v);
    }

    @Override
    protected Objective trainedObjective() {
        return Objective.parse($(objective()));
    }

    @Override
    protected Map<Recipe.Key, Param<?>> recipeParams() {
        Map<Recipe.Key, Param<?>> params = super.recipeParams();
        params.put(Recipe.Key.ALPHA, alpha());
        params.put(Recipe.Key.BETA, beta());
        params.put(Recipe.Key.GAMMA, gamma());
        return params;
    }

    @Override
    protected Dataset<Row> trainingColumns(Dataset<Row> d, Column id) {
        transformSchema(d.schema());
        Column prompt = col($(promptCol()));
        return switch (trainedObjective()) {
            case REDI_UNPAIRED ->
                TrainingExampleFrame.unpaired(
                        d,
                        id,
                        prompt,
                        col(getCompletionCol()),
                        not(col($(correctCol())).cast(DataTypes.BooleanType)));
            case DPO ->
                TrainingExampleFrame.pairs(
                        d,
                        id,
                        prompt,
                        col($(chosenCol())),
                        col($(rejectedCol())),
                        col($(refChosenCol())),
                        col($(refRejectedCol())));
            default -> TrainingExampleFrame.pairs(d, id, prompt, col($(chosenCol())), col($(rejectedCol())));
        };
    }

    /** The input columns of the objective, by the Params that name them. */
    private List<Param<String>> inputColumns() {
        return switch (trainedObjective()) {
            case REDI_UNPAIRED -> List.of(completionCol(), correctCol());
            case DPO -> List.of(chosenCol(), rejectedCol(), refChosenCol(), refRejectedCol());
            default -> List.of(chosenCol(), rejectedCol());
        };
    }

    @Override
    public StructType transformSchema(StructType schema) {
        super.transformSchema(schema);
        for (Param<String> column : inputColumns()) {
            StageColumns.require(schema, this, column);
        }
        return schema;
    }
}
