package redispark.jobs.ml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import redispark.jobs.run.HadoopFiles;
import redispark.jobs.table.PositivesTable;
import redispark.jobs.table.ProblemsTable;
import redispark.teacher.LocalModelTeacher;
import redispark.teacher.Problem;
import redispark.teacher.TeacherSample;
import scala.Option;

/**
 * A trained student as a Spark ML {@link Model}: {@code transform} adds {@code outputCol}, the student's completion
 * of each problem in {@code problemCol} (chat template of the model folder, greedy by default; the model is loaded
 * once per partition). ML persistence writes the Params and, under {@code model/}, the Hugging Face folder itself,
 * so a saved StudentModel is also a model folder for vLLM or transformers.
 */
public final class StudentModel extends Model<StudentModel>
        implements HasProblemCol<StudentModel>, HasOutputCol<StudentModel>, MLWritable {
    static final String FOLDER = "model";

    private final String uid;
    private final String modelDir;

    /** @param modelDir the Hugging Face folder (local path or Hadoop URI) */
    public StudentModel(String uid, String modelDir) {
        this.uid = uid;
        this.modelDir = modelDir;
        setDefault(problemCol(), ProblemsTable.PROBLEM);
        setDefault(outputCol(), PositivesTable.COMPLETION);
        setDefault(maxNewTokens(), 256);
        setDefault(temperature(), 0.0);
        setDefault(sampleSeed(), 0L);
    }

    @Override
    public String uid() {
        return uid;
    }

    /** The Hugging Face folder of the trained weights. */
    public String modelDir() {
        return modelDir;
    }

    public IntParam maxNewTokens() {
        return new IntParam(this, "maxNewTokens", "completion tokens per problem", ParamValidators.gtEq(1));
    }

    public DoubleParam temperature() {
        return new DoubleParam(this, "temperature", "sampling temperature (0 = greedy)", ParamValidators.gtEq(0));
    }

    public LongParam sampleSeed() {
        return new LongParam(this, "sampleSeed", "seed of the sampling");
    }

    public StudentModel setMaxNewTokens(int v) {
        return setParam(maxNewTokens(), v);
    }

    public StudentModel setTemperature(double v) {
        return setParam(temperature(), v);
    }

    public StudentModel setSampleSeed(long v) {
        return setParam(sampleSeed(), v);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        int at = Arrays.asList(dataset.schema().fieldNames()).indexOf(getProblemCol());
        HadoopFiles files =
                new HadoopFiles(dataset.sparkSession().sparkContext().hadoopConfiguration());
        String dir = modelDir;
        LocalModelTeacher.Settings settings =
                new LocalModelTeacher.Settings((Double) $(temperature()), 1.0, (Integer) $(maxNewTokens()));
        long seed = (Long) $(sampleSeed());
        MapPartitionsFunction<Row, Row> complete = rows -> {
            if (!rows.hasNext()) {
                return rows;
            }
            LocalModelTeacher student = LocalModelTeacher.load(files.localDirectory(dir), settings);
            TaskContext task = TaskContext.get();
            if (task != null) {
                task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) c -> student.close());
            }
            List<Row> done = new ArrayList<>();
            while (rows.hasNext()) {
                Row r = rows.next();
                Object[] values = new Object[r.length() + 1];
                for (int i = 0; i < r.length(); i++) {
                    values[i] = r.get(i);
                }
                String text = r.isNullAt(at) ? null : r.getString(at);
                if (text != null) {
                    TeacherSample s = student.sample(new Problem("transform", text, "", "transform", 1), 1, seed)
                            .get(0);
                    values[r.length()] = s.error() == null ? s.text() : null;
                }
                done.add(RowFactory.create(values));
            }
            if (task == null) {
                student.close();
            }
            Iterator<Row> it = done.iterator();
            return it;
        };
        return dataset.toDF().mapPartitions(complete, Encoders.row(out));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        StageColumns.requireString(schema, this, problemCol());
        StageColumns.requireFree(schema, this, outputCol());
        return schema.add(getOutputCol(), DataTypes.StringType, true);
    }

    @Override
    public StudentModel copy(ParamMap extra) {
        StudentModel copy = new StudentModel(uid, modelDir);
        copyValues(copy, extra);
        return copy.setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new MLWriter() {
            @Override
            public void saveImpl(String path) {
                DefaultParamsWriter.saveMetadata(StudentModel.this, path, sparkSession());
                Path from = new Path(modelDir);
                Path to = new Path(path, FOLDER);
                try {
                    FileSystem source =
                            from.getFileSystem(sparkSession().sparkContext().hadoopConfiguration());
                    FileSystem target =
                            to.getFileSystem(sparkSession().sparkContext().hadoopConfiguration());
                    if (!FileUtil.copy(
                            source,
                            from,
                            target,
                            to,
                            false,
                            true,
                            sparkSession().sparkContext().hadoopConfiguration())) {
                        throw new IOException("copy returned false");
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot copy the model folder " + modelDir + " to " + to, e);
                }
            }
        };
    }

    public static MLReader<StudentModel> read() {
        return new MLReader<>() {
            @Override
            public StudentModel load(String path) {
                DefaultParamsReader.Metadata metadata =
                        DefaultParamsReader.loadMetadata(path, sparkSession(), StudentModel.class.getName());
                StudentModel model = new StudentModel(metadata.uid(), new Path(path, FOLDER).toString());
                metadata.getAndSetParams(model, Option.empty());
                return model;
            }
        };
    }

    public static StudentModel load(String path) {
        return read().load(path);
    }
}
