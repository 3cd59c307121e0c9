package redispark.jobs.ml;

import static org.apache.spark.sql.functions.col;

import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import redispark.jobs.table.PositivesTable;
import redispark.jobs.table.TrainingExampleFrame;
import redispark.train.Recipe;
import redispark.train.objective.Objective;

/**
 * Stage 1 as a Spark ML estimator: supervised fine-tuning on (prompt, correct completion) rows, trained by
 * {@code workers} data-parallel replicas.
 *
 * <pre>{@code
 * StudentModel sft = new SftEstimator().setCompletionCol("text").setEpochs(2).setWorkers(2).fit(positives);
 * }</pre>
 */
public final class SftEstimator extends StudentEstimator<SftEstimator> {
    private final Param<String> completionCol;

    public SftEstimator() {
        this(Identifiable$.MODULE$.randomUID("sftEstimator"));
    }

    public SftEstimator(String uid) {
        super(uid);
        completionCol = new Param<>(this, "completionCol", "column with the correct completion to learn");
        setDefault(completionCol, PositivesTable.COMPLETION);
    }

    public Param<String> completionCol() {
        return completionCol;
    }

    public SftEstimator setCompletionCol(String v) {
        set(completionCol, v);
        return this;
    }

    public static MLReader<SftEstimator> read() {
        return new DefaultParamsReadable<SftEstimator>() {}.read();
    }

    public static SftEstimator load(String path) {
        return read().load(path);
    }

    @Override
    protected Objective trainedObjective() {
        return Objective.SFT;
    }

    @Override
    protected Recipe objectiveParams(Recipe recipe) {
        return recipe;
    }

    @Override
    protected Dataset<Row> trainingColumns(Dataset<Row> dataset, Column id) {
        transformSchema(dataset.schema());
        return TrainingExampleFrame.examples(dataset, id, col($(promptCol())), col($(completionCol)));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        super.transformSchema(schema);
        require(schema, $(completionCol), "completionCol");
        return schema;
    }
}
