package redispark.jobs.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import redispark.dist.Rendezvous;
import redispark.jobs.config.RediConfig;
import redispark.jobs.run.HadoopFiles;
import redispark.jobs.spark.BarrierTraining;
import redispark.jobs.spark.DataParallelTraining;
import redispark.jobs.spark.ResumeCheckpoints;
import redispark.jobs.table.PositivesTable;
import redispark.jobs.train.TrainSettings;
import redispark.model.HostStaging;
import redispark.model.KernelPath;
import redispark.model.LayerKernel;
import redispark.model.TinyStudent;
import redispark.train.CollapseAlarm;
import redispark.train.Recipe;
import redispark.train.StepCompute;
import redispark.train.TrainConfig;
import redispark.train.objective.Objective;

/**
 * What {@link SftEstimator} and {@link RediEstimator} share, XGBoost4J-Spark style: the recipe as Params, and a
 * {@code fit} that runs the data-parallel training of {@link DataParallelTraining} ({@code workers} barrier tasks)
 * and returns a {@link StudentModel} over the trained Hugging Face folder.
 *
 * <p>Recipe Params left unset take the value of {@code preset} ("tiny" or "paper") for the objective. The trained
 * folder and the resumable checkpoints go under {@code workDir} ("" = a new local temporary directory; on a cluster
 * set a path every executor can reach, e.g. {@code hdfs://} or {@code s3a://}).
 */
public abstract class StudentEstimator<E extends StudentEstimator<E>> extends Estimator<StudentModel>
        implements FluentParams<E>, DefaultParamsWritable {
    private final String uid;

    protected StudentEstimator(String uid) {
        this.uid = uid;
        StepCompute compute = StepCompute.defaults();
        setDefault(trainPath(), compute.path().label());
        setDefault(recompute(), compute.recompute().label());
        setDefault(computeDtype(), compute.dtype().label());
        setDefault(logprobChunk(), compute.logprobChunk());
        setDefault(maxTokensPerMicroBatch(), compute.maxTokensPerMicroBatch());
        setDefault(promptCol(), PositivesTable.PROMPT);
        setDefault(idCol(), "");
        setDefault(baseModel(), "");
        setDefault(preset(), "tiny");
        setDefault(workDir(), "");
        setDefault(workers(), 1);
        setDefault(maxSeqLen(), 384);
        setDefault(checkpointEvery(), 0);
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> promptCol() {
        return new Param<>(this, "promptCol", "column with the prompt (the problem text)");
    }

    public Param<String> idCol() {
        return new Param<>(this, "idCol", "column with a unique row id; \"\" = the row's position in the dataset");
    }

    public Param<String> baseModel() {
        return new Param<>(
                this, "baseModel", "Hugging Face folder to start from; \"\" = the embedded tiny student (seed 1)");
    }

    public Param<String> preset() {
        return choice("preset", "recipe the unset Params take: tiny or paper", "tiny", "paper");
    }

    public Param<String> workDir() {
        return new Param<>(this, "workDir", "where the model and checkpoints go; \"\" = a new temp directory");
    }

    public DoubleParam learningRate() {
        return new DoubleParam(this, "learningRate", "peak learning rate (AdamW)", ParamValidators.gt(0));
    }

    public IntParam epochs() {
        return atLeast("epochs", "passes over the data", 1);
    }

    public IntParam batchSize() {
        return atLeast("batchSize", "items per optimizer step over all workers", 1);
    }

    public IntParam microBatchSize() {
        return atLeast("microBatchSize", "items per forward/backward on a worker", 1);
    }

    public LongParam seed() {
        return new LongParam(this, "seed", "seed of the data order");
    }

    public IntParam workers() {
        return atLeast("workers", "data-parallel workers (barrier tasks)", 1);
    }

    public IntParam maxSeqLen() {
        return atLeast("maxSeqLen", "longest prompt + completion in tokens (longer rows are refused)", 2);
    }

    public IntParam checkpointEvery() {
        return atLeast("checkpointEvery", "resumable checkpoint every this many steps (0 = end)", 0);
    }

    public Param<String> trainPath() {
        return choice(
                "trainPath",
                "kernel (compiled layer kernel, chunked log-probs) or eager (the reference model)",
                "kernel",
                "eager");
    }

    public Param<String> recompute() {
        return choice("recompute", "kernel path: layer (recompute each layer in the backward) or off", "layer", "off");
    }

    public Param<String> computeDtype() {
        return choice(
                "computeDtype",
                "kernel path: fp32 or bf16 matmuls and attention (weights, gradients and optimizer stay fp32)",
                "fp32",
                "bf16");
    }

    public IntParam logprobChunk() {
        return atLeast("logprobChunk", "kernel path: tokens per LM-head call", 1);
    }

    public IntParam maxTokensPerMicroBatch() {
        return atLeast("maxTokensPerMicroBatch", "kernel path: rows x longest row of one forward", 1);
    }

    public E setPromptCol(String v) {
        return setParam(promptCol(), v);
    }

    public E setIdCol(String v) {
        return setParam(idCol(), v);
    }

    public E setBaseModel(String v) {
        return setParam(baseModel(), v);
    }

    public E setPreset(String v) {
        return setParam(preset(), v);
    }

    public E setWorkDir(String v) {
        return setParam(workDir(), v);
    }

    public E setLearningRate(double v) {
        return setParam(learningRate(), v);
    }

    public E setEpochs(int v) {
        return setParam(epochs(), v);
    }

    public E setBatchSize(int v) {
        return setParam(batchSize(), v);
    }

    public E setMicroBatchSize(int v) {
        return setParam(microBatchSize(), v);
    }

    public E setSeed(long v) {
        return setParam(seed(), v);
    }

    public E setWorkers(int v) {
        return setParam(workers(), v);
    }

    public E setMaxSeqLen(int v) {
        return setParam(maxSeqLen(), v);
    }

    public E setCheckpointEvery(int v) {
        return setParam(checkpointEvery(), v);
    }

    public E setTrainPath(String v) {
        return setParam(trainPath(), v);
    }

    public E setRecompute(String v) {
        return setParam(recompute(), v);
    }

    public E setComputeDtype(String v) {
        return setParam(computeDtype(), v);
    }

    public E setLogprobChunk(int v) {
        return setParam(logprobChunk(), v);
    }

    public E setMaxTokensPerMicroBatch(int v) {
        return setParam(maxTokensPerMicroBatch(), v);
    }

    /** An int Param of at least {@code min}. */
    protected final IntParam atLeast(String name, String doc, int min) {
        return new IntParam(this, name, doc, ParamValidators.gtEq(min));
    }

    /** A string Param that must be one of {@code values}. */
    protected final Param<String> choice(String name, String doc, String... values) {
        return new Param<>(this, name, doc, ParamValidators.inArray(values));
    }

    /**
     * The Params that set a recipe component, by that component: {@link #trainConfig} writes each one that was set
     * over the preset's value. An estimator adds its objective's own.
     */
    protected Map<Recipe.Key, Param<?>> recipeParams() {
        Map<Recipe.Key, Param<?>> params = new EnumMap<>(Recipe.Key.class);
        params.put(Recipe.Key.LEARNING_RATE, learningRate());
        params.put(Recipe.Key.EPOCHS, epochs());
        params.put(Recipe.Key.BATCH_SIZE, batchSize());
        params.put(Recipe.Key.MICRO_BATCH_SIZE, microBatchSize());
        params.put(Recipe.Key.SEED, seed());
        return params;
    }

    /** The objective this estimator trains. */
    protected abstract Objective trainedObjective();

    /** The dataset as a {@link redispark.jobs.table.TrainingExampleFrame} with the given id column. */
    protected abstract Dataset<Row> trainingColumns(Dataset<Row> dataset, Column id);

    /** The recipe: the preset's for the objective, with every recipe Param that was set. */
    public TrainConfig trainConfig() {
        Recipe r = TrainSettings.recipe(
                RediConfig.defaults().withOverrides(List.of("train.preset=\"" + $(preset()) + "\"")),
                trainedObjective());
        for (Map.Entry<Recipe.Key, Param<?>> p : recipeParams().entrySet()) {
            if (isSet(p.getValue())) {
                r = r.with(p.getKey(), (Number) $(p.getValue()));
            }
        }
        return new TrainConfig(
                trainedObjective(),
                r,
                (Integer) $(maxSeqLen()),
                0,
                (Integer) $(checkpointEvery()),
                CollapseAlarm.Settings.defaults(),
                new StepCompute(
                        StepCompute.TrainPath.parse($(trainPath())),
                        KernelPath.Recompute.parse($(recompute())),
                        LayerKernel.ComputeType.parse($(computeDtype())),
                        (Integer) $(logprobChunk()),
                        (Integer) $(maxTokensPerMicroBatch()),
                        HostStaging.Mode.AUTO));
    }

    @Override
    public StudentModel fit(Dataset<?> dataset) {
        SparkSession spark = dataset.sparkSession();
        Dataset<Row> examples = examples(spark, dataset.toDF());
        TrainConfig config = trainConfig();
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        String dir = $(workDir());
        try {
            if (dir.isEmpty()) {
                dir = Files.createTempDirectory("redi-" + trainedObjective().label())
                        .toString();
            }
            String init = $(baseModel());
            if (init.isEmpty()) {
                java.nio.file.Path base = Files.createTempDirectory("redi-base").resolve("base");
                TinyStudent.write(base, 1);
                init = dir + "/base";
                files.publishDirectory(base, init);
            }
            String model = dir + "/" + trainedObjective().label();
            String resume = model + ".resume";
            ResumeCheckpoints.clear(files, resume); // a fit starts from its base model
            BarrierTraining.Ring ring = BarrierTraining.Ring.fresh(
                    (Integer) $(workers()),
                    "", // loopback in local mode, else the executor's own address
                    "",
                    Duration.ofSeconds(60),
                    Duration.ofSeconds(120),
                    Rendezvous.DEFAULT_SEAL_FRAMES,
                    Rendezvous.DEFAULT_LINKS,
                    Rendezvous.DEFAULT_WIRE_FORMAT,
                    BarrierTraining.Placement.AUTO);
            DataParallelTraining.train(new DataParallelTraining.Request(
                            examples, init, config, ring, files, model, resume, false, 1))
                    .model()
                    .publish();
            StudentModel trained = new StudentModel(uid, model);
            trained.setParent(this);
            return trained;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the work directory", e);
        }
    }

    /** The training columns with {@code id}: the id column's value, or the row's position. */
    private Dataset<Row> examples(SparkSession spark, Dataset<Row> dataset) {
        String id = $(idCol());
        if (!id.isEmpty()) {
            StageColumns.require(dataset.schema(), this, idCol());
            return trainingColumns(dataset, col(id).cast(DataTypes.StringType));
        }
        Dataset<Row> columns = trainingColumns(dataset, lit(""));
        int at = Arrays.asList(columns.schema().fieldNames()).indexOf(redispark.jobs.table.TrainingExampleFrame.ID);
        // zipWithIndex numbers the rows by partition and position: stable as long as the input's order is
        return spark.createDataFrame(
                columns.toJavaRDD().zipWithIndex().map(t -> {
                    Object[] values = new Object[t._1().length()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = i == at ? "row-" + t._2() : t._1().get(i);
                    }
                    return RowFactory.create(values);
                }),
                columns.schema());
    }

    @Override
    public StructType transformSchema(StructType schema) {
        StageColumns.require(schema, this, promptCol());
        return schema;
    }

    @Override
    public E copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}
