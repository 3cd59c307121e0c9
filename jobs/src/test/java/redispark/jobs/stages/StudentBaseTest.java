package redispark.jobs.stages;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.jobs.config.RediConfig;
import redispark.jobs.run.RunDir;
import redispark.jobs.spark.SparkSessions;
import redispark.model.ModelConfig;
import redispark.model.TinyStudent;

/** The run's base copy of a Hugging Face folder carries the student's context edits, as its checkpoints do. */
class StudentBaseTest {

    @Test
    void aCopiedBaseModelCarriesTheStudentsContextEdits(@TempDir Path dir) {
        Path hf = dir.resolve("hf-model");
        TinyStudent.write(hf, 3);
        int stock = ModelConfig.read(hf.resolve("config.json")).maxPositions();
        RediConfig config = RediConfig.load(
                null,
                List.of(
                        "student.base=\"" + hf + "\"",
                        "student.max-position-embeddings=" + stock * 8,
                        "student.rope-theta=300000"));
        SparkSession spark = SparkSessions.getOrCreate(config);
        Path run = dir.resolve("run");
        StudentBase.ensure(new StageContext(spark, RunDir.open(spark, run.toString()), config));

        ModelConfig base = ModelConfig.read(run.resolve(StudentBase.DIR).resolve("config.json"));
        assertThat(base.maxPositions()).isEqualTo(stock * 8);
        assertThat(base.ropeTheta()).isEqualTo(300000);
        assertThat(ModelConfig.read(hf.resolve("config.json")).maxPositions())
                .as("the user's folder is left as it was")
                .isEqualTo(stock);
    }
}
