package redispark.jobs.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import redispark.jobs.config.RediConfig;
import redispark.jobs.run.RunDir;
import redispark.jobs.stages.GenerateStage;
import redispark.jobs.stages.StageContext;
import redispark.jobs.stages.StageOutcome;
import redispark.jobs.stages.StageRunner;

/** Test helpers: one local Spark session per test class, and {@code redi generate} on a run directory. */
final class Runs {
    private Runs() {}

    static SparkSession spark() {
        return SparkSession.builder()
                .master("local[2]")
                .appName("generate-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "4")
                .getOrCreate();
    }

    /** Runs the generate stage through the runner (so the manifest is written) with {@code key=value} overrides. */
    static StageOutcome generate(SparkSession spark, Path runDir, String... overrides) {
        RediConfig config = RediConfig.load(null, List.of(overrides));
        return StageRunner.run(
                new GenerateStage(), new StageContext(spark, RunDir.open(spark, runDir.toString()), config));
    }

    static Dataset<Row> table(SparkSession spark, Path runDir, String name) {
        return spark.read().parquet(runDir.resolve(name).toString());
    }

    static JsonNode manifestStage(Path runDir) {
        try {
            return new ObjectMapper()
                    .readTree(runDir.resolve("manifest.json").toFile())
                    .get("stages")
                    .get("generate");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code key="value"} with the value quoted for HOCON (paths and URLs hold ':' and '//'). */
    static String set(String key, Object value) {
        String v = String.valueOf(value).replace("\\", "\\\\").replace("\"", "\\\"");
        return key + "=\"" + v + "\"";
    }

    static String[] args(List<String> a) {
        return new ArrayList<>(a).toArray(String[]::new);
    }
}
