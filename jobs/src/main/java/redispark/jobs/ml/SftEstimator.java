package redispark.jobs.ml;

import static org.apache.spark.sql.functions.col;

import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import redispark.jobs.table.PositivesTable;
import redispark.jobs.table.TrainingExampleFrame;
import redispark.train.objective.Objective;

/**
 * Stage 1 as a Spark ML estimator: supervised fine-tuning on (prompt, correct completion) rows, trained by
 * {@code workers} data-parallel replicas.
 *
 * <pre>{@code
 * StudentModel sft = new SftEstimator().setCompletionCol("text").setEpochs(2).setWorkers(2).fit(positives);
 * }</pre>
 */
public final class SftEstimator extends StudentEstimator<SftEstimator> implements HasCompletionCol<SftEstimator> {

    public SftEstimator() {
        this(Identifiable$.MODULE$.randomUID("sftEstimator"));
    }

    public SftEstimator(String uid) {
        super(uid);
        setDefault(completionCol(), PositivesTable.COMPLETION);
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
    protected Dataset<Row> trainingColumns(Dataset<Row> dataset, Column id) {
        transformSchema(dataset.schema());
        return TrainingExampleFrame.examples(dataset, id, col($(promptCol())), col(getCompletionCol()));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        super.transformSchema(schema);
        StageColumns.require(schema, this, completionCol());
        return schema;
    }
}
