package redispark.jobs.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
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
        implements DefaultParamsWritable {
    private final String uid;
    private final Param<String> promptCol;
    private final Param<String> idCol;
    private final Param<String> baseModel;
    private final Param<String> preset;
    private final Param<String> workDir;
    private final DoubleParam learningRate;
    private final IntParam epochs;
    private final IntParam batchSize;
    private final IntParam microBatchSize;
    private final LongParam seed;
    private final IntParam workers;
    private final IntParam maxSeqLen;
    private final IntParam checkpointEvery;
    private final Param<String> trainPath;
    private final Param<String> recompute;
    private final Param<String> computeDtype;
    private final IntParam logprobChunk;
    private final IntParam maxTokensPerMicroBatch;

    protected StudentEstimator(String uid) {
        this.uid = uid;
        promptCol = new Param<>(this, "promptCol", "column with the prompt (the problem text)");
        idCol = new Param<>(this, "idCol", "column with a unique row id; \"\" = the row's position in the dataset");
        baseModel = new Param<>(
                this, "baseModel", "Hugging Face folder to start from; \"\" = the embedded tiny student (seed 1)");
        preset = new Param<>(
                this, "preset", "recipe the unset Params take: tiny or paper", ParamValidators.inArray(new String[] {
                    "tiny", "paper"
                }));
        workDir = new Param<>(this, "workDir", "where the model and checkpoints go; \"\" = a new temp directory");
        learningRate = new DoubleParam(this, "learningRate", "peak learning rate (AdamW)", ParamValidators.gt(0));
        epochs = new IntParam(this, "epochs", "passes over the data", ParamValidators.gtEq(1));
        batchSize =
                new IntParam(this, "batchSize", "items per optimizer step over all workers", ParamValidators.gtEq(1));
        microBatchSize =
                new IntParam(this, "microBatchSize", "items per forward/backward on a worker", ParamValidators.gtEq(1));
        seed = new LongParam(this, "seed", "seed of the data order");
        workers = new IntParam(this, "workers", "data-parallel workers (barrier tasks)", ParamValidators.gtEq(1));
        maxSeqLen = new IntParam(
                this,
                "maxSeqLen",
                "longest prompt + completion in tokens (longer rows are refused)",
                ParamValidators.gtEq(2));
        checkpointEvery = new IntParam(
                this,
                "checkpointEvery",
                "resumable checkpoint every this many steps (0 = end)",
                ParamValidators.gtEq(0));
        trainPath = new Param<>(
                this,
                "trainPath",
                "kernel (compiled layer kernel, chunked log-probs) or eager " + "(the reference model)",
                ParamValidators.inArray(new String[] {"kernel", "eager"}));
        recompute = new Param<>(
                this,
                "recompute",
                "kernel path: layer (recompute each layer in the backward) or off",
                ParamValidators.inArray(new String[] {"layer", "off"}));
        computeDtype = new Param<>(
                this,
                "computeDtype",
                "kernel path: fp32 or bf16 matmuls and attention (weights, " + "gradients and optimizer stay fp32)",
                ParamValidators.inArray(new String[] {"fp32", "bf16"}));
        logprobChunk =
                new IntParam(this, "logprobChunk", "kernel path: tokens per LM-head call", ParamValidators.gtEq(1));
        maxTokensPerMicroBatch = new IntParam(
                this,
                "maxTokensPerMicroBatch",
                "kernel path: rows x longest row of one forward",
                ParamValidators.gtEq(1));
        StepCompute compute = StepCompute.defaults();
        setDefault(trainPath, compute.path().label());
        setDefault(recompute, compute.recompute().label());
        setDefault(computeDtype, compute.dtype().label());
        setDefault(logprobChunk, compute.logprobChunk());
        setDefault(maxTokensPerMicroBatch, compute.maxTokensPerMicroBatch());
        setDefault(promptCol, PositivesTable.PROMPT);
        setDefault(idCol, "");
        setDefault(baseModel, "");
        setDefault(preset, "tiny");
        setDefault(workDir, "");
        setDefault(workers, 1);
        setDefault(maxSeqLen, 384);
        setDefault(checkpointEvery, 0);
    }

    @Override
    public String uid() {
        return uid;
    }

    @SuppressWarnings("unchecked")
    private E self() {
        return (E) this;
    }

    public Param<String> promptCol() {
        return promptCol;
    }

    public Param<String> idCol() {
        return idCol;
    }

    public Param<String> baseModel() {
        return baseModel;
    }

    public Param<String> preset() {
        return preset;
    }

    public Param<String> workDir() {
        return workDir;
    }

    public DoubleParam learningRate() {
        return learningRate;
    }

    public IntParam epochs() {
        return epochs;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public IntParam microBatchSize() {
        return microBatchSize;
    }

    public LongParam seed() {
        return seed;
    }

    public IntParam workers() {
        return workers;
    }

    public IntParam maxSeqLen() {
        return maxSeqLen;
    }

    public IntParam checkpointEvery() {
        return checkpointEvery;
    }

    public E setPromptCol(String v) {
        set(promptCol, v);
        return self();
    }

    public E setIdCol(String v) {
        set(idCol, v);
        return self();
    }

    public E setBaseModel(String v) {
        set(baseModel, v);
        return self();
    }

    public E setPreset(String v) {
        set(preset, v);
        return self();
    }

    public E setWorkDir(String v) {
        set(workDir, v);
        return self();
    }

    public E setLearningRate(double v) {
        set(learningRate, v);
        return self();
    }

    public E setEpochs(int v) {
        set(epochs, v);
        return self();
    }

    public E setBatchSize(int v) {
        set(batchSize, v);
        return self();
    }

    public E setMicroBatchSize(int v) {
        set(microBatchSize, v);
        return self();
    }

    public E setSeed(long v) {
        set(seed, v);
        return self();
    }

    public E setWorkers(int v) {
        set(workers, v);
        return self();
    }

    public E setMaxSeqLen(int v) {
        set(maxSeqLen, v);
        return self();
    }

    public E setCheckpointEvery(int v) {
        set(checkpointEvery, v);
        return self();
    }

    public E setTrainPath(String v) {
        set(trainPath, v);
        return self();
    }

    public E setRecompute(String v) {
        set(recompute, v);
        return self();
    }

    public E setComputeDtype(String v) {
        set(computeDtype, v);
        return self();
    }

    public E setLogprobChunk(int v) {
        set(logprobChunk, v);
        return self();
    }

    public E setMaxTokensPerMicroBatch(int v) {
        set(maxTokensPerMicroBatch, v);
        return self();
    }

    public Param<String> trainPath() {
        return trainPath;
    }

    public Param<String> recompute() {
        return recompute;
    }

    public Param<String> computeDtype() {
        return computeDtype;
    }

    public IntParam logprobChunk() {
        return logprobChunk;
    }

    public IntParam maxTokensPerMicroBatch() {
        return maxTokensPerMicroBatch;
    }

    /** The objective this estimator trains. */
    protected abstract Objective trainedObjective();

    /** The objective-specific recipe Params that were set, over the preset's values. */
    protected abstract Recipe objectiveParams(Recipe recipe);

    /** The dataset as a {@link redispark.jobs.table.TrainingExampleFrame} with the given id column. */
    protected abstract Dataset<Row> trainingColumns(Dataset<Row> dataset, Column id);

    /** The recipe: the preset's for the objective, with every recipe Param that was set. */
    public TrainConfig trainConfig() {
        Recipe r = TrainSettings.recipe(
                RediConfig.defaults().withOverrides(List.of("train.preset=\"" + $(preset) + "\"")), trainedObjective());
        if (isSet(learningRate)) {
            r = r.withLearningRate((Double) $(learningRate));
        }
        if (isSet(epochs)) {
            r = r.withEpochs((Integer) $(epochs));
        }
        if (isSet(batchSize)) {
            r = r.withBatchSize((Integer) $(batchSize));
        }
        if (isSet(microBatchSize)) {
            r = r.withMicroBatchSize((Integer) $(microBatchSize));
        }
        if (isSet(seed)) {
            r = r.withSeed((Long) $(seed));
        }
        return new TrainConfig(
                trainedObjective(),
                objectiveParams(r),
                (Integer) $(maxSeqLen),
                0,
                (Integer) $(checkpointEvery),
                CollapseAlarm.Settings.defaults(),
                new StepCompute(
                        StepCompute.TrainPath.parse($(trainPath)),
                        KernelPath.Recompute.parse($(recompute)),
                        LayerKernel.ComputeType.parse($(computeDtype)),
                        (Integer) $(logprobChunk),
                        (Integer) $(maxTokensPerMicroBatch),
                        HostStaging.Mode.AUTO));
    }

    @Override
    public StudentModel fit(Dataset<?> dataset) {
        SparkSession spark = dataset.sparkSession();
        Dataset<Row> examples = examples(spark, dataset.toDF());
        TrainConfig config = trainConfig();
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        String dir = $(workDir);
        try {
            if (dir.isEmpty()) {
                dir = Files.createTempDirectory("redi-" + trainedObjective().label())
                        .toString();
            }
            String init = $(baseModel);
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
                    (Integer) $(workers),
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
        String id = $(idCol);
        if (!id.isEmpty()) {
            require(dataset.schema(), id, "idCol");
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

    /** Fails with the column list unless {@code column} exists. */
    protected static void require(StructType schema, String column, String param) {
        if (!Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException("column '" + column + "' not found; set Param " + param + " (columns: "
                    + String.join(", ", schema.fieldNames()) + ")");
        }
    }

    @Override
    public StructType transformSchema(StructType schema) {
        require(schema, $(promptCol), "promptCol");
        return schema;
    }

    @Override
    public E copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}
