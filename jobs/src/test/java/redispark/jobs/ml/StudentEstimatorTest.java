package redispark.jobs.ml;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.jobs.config.RediConfig;
import redispark.jobs.spark.SparkSessions;

/**
 * The Spark ML face of training: {@link SftEstimator} and {@link RediEstimator} fit with two data-parallel workers
 * on a tiny table, the {@link StudentModel} they return completes problems, and survives ML save/load with its
 * Params and its Hugging Face folder.
 */
class StudentEstimatorTest {
    @TempDir
    static Path dir;

    static SparkSession spark;
    static int threads;

    @BeforeAll
    static void start() {
        spark = SparkSessions.getOrCreate(RediConfig.load(null, List.of()));
        ai.djl.engine.Engine.getEngine("PyTorch");
        threads = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
    }

    @AfterAll
    static void stop() {
        ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
        if (spark != null) {
            spark.stop();
        }
    }

    /** "What is a+b?" with a correct and a wrong worked answer. */
    static Dataset<Row> sums(int n) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int a = i % 7 + 1;
            int b = i % 5 + 2;
            rows.add(RowFactory.create(
                    "What is " + a + "+" + b + "?",
                    "<think>" + a + "+" + b + "=" + (a + b) + "</think>\n\\boxed{" + (a + b) + "}",
                    "<think>" + a + "+" + b + "=" + (a + b + 1) + "</think>\n\\boxed{" + (a + b + 1) + "}"));
        }
        StructType schema = new StructType()
                .add("problem", DataTypes.StringType)
                .add("chosen", DataTypes.StringType)
                .add("rejected", DataTypes.StringType);
        return spark.createDataFrame(rows, schema);
    }

    @Test
    void fitSaveLoadAndTransform() throws Exception {
        Dataset<Row> data = sums(12);
        SftEstimator sft = new SftEstimator()
                .setPromptCol("problem")
                .setCompletionCol("chosen")
                .setWorkers(2)
                .setEpochs(1)
                .setBatchSize(4)
                .setMicroBatchSize(2)
                .setLearningRate(1e-3)
                .setWorkDir(dir.resolve("sft-work").toString());
        StudentModel model = sft.fit(data);
        assertThat(Path.of(model.modelDir()).resolve("model.safetensors")).exists();
        assertThat(model.parent()).isSameAs(sft);

        // the estimator's Params persist too
        sft.write().overwrite().save(dir.resolve("sft-estimator").toString());
        SftEstimator sftLoaded = SftEstimator.load(dir.resolve("sft-estimator").toString());
        assertThat(sftLoaded.getOrDefault(sftLoaded.workers())).isEqualTo(2);
        assertThat(sftLoaded.trainConfig()).isEqualTo(sft.trainConfig());

        model.setMaxNewTokens(12);
        Dataset<Row> problems = data.select("problem").limit(3);
        List<Row> completed = model.transform(problems).collectAsList();
        assertThat(completed)
                .hasSize(3)
                .allSatisfy(r -> assertThat(r.getString(1)).isNotNull());

        String saved = dir.resolve("student").toString();
        model.write().save(saved);
        StudentModel loaded = StudentModel.load(saved);
        assertThat(loaded.uid()).isEqualTo(model.uid());
        assertThat(loaded.getOrDefault(loaded.maxNewTokens())).isEqualTo(12);
        assertThat(Files.readAllBytes(Path.of(saved, "model", "model.safetensors")))
                .isEqualTo(Files.readAllBytes(Path.of(model.modelDir(), "model.safetensors")));
        assertThat(Path.of(saved, "model", "tokenizer.json")).exists();
        // greedy decoding of the same weights: the loaded model completes exactly like the trained one
        assertThat(loaded.transform(problems).collectAsList()).isEqualTo(completed);

        // stage 2 from the SFT folder, two workers again: REDI moves the weights
        StudentModel redi = new RediEstimator()
                .setBaseModel(model.modelDir())
                .setPromptCol("problem")
                .setAlpha(0.8)
                .setWorkers(2)
                .setEpochs(1)
                .setBatchSize(4)
                .setMicroBatchSize(4)
                .setWorkDir(dir.resolve("redi-work").toString())
                .fit(data);
        assertThat(Files.readAllBytes(Path.of(redi.modelDir(), "model.safetensors")))
                .isNotEqualTo(Files.readAllBytes(Path.of(model.modelDir(), "model.safetensors")));
    }
}
