package redispark.jobs.curate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;
import redispark.jobs.config.RediConfig;
import redispark.jobs.generate.BenchmarkDir;
import redispark.jobs.run.HadoopFiles;
import redispark.jobs.spark.SparkSessions;

/** With the default settings, a lightly reworded MATH-500 problem is removed against the real benchmark folder. */
class MathBenchmarkDecontaminationTest {

    /** MATH-500 test/precalculus/807.json with two words changed and the LaTeX delimiters dropped. */
    static final String REWORDED = "Convert the point (0,3) from rectangular coordinates to polar coordinates. Give "
            + "your answer in the form (r, \\theta), where r > 0 and 0 \\le \\theta < 2\\pi.";

    @Test
    void aRewordedMath500ProblemIsRemovedAndOthersAreKept() {
        Optional<Path> folder = BenchmarkDir.find();
        assumeTrue(
                folder.isPresent()
                        && folder.get().resolve("math500.jsonl").toFile().isFile(),
                "benchmark folder with math500.jsonl absent (REDI_BENCHMARKS_DIR names no folder): "
                        + "skipped; CurationStagesTest covers decontamination with its own benchmark file");
        RediConfig config = RediConfig.load(null, List.of());
        SparkSession spark = SparkSessions.getOrCreate(config);
        Dataset<Row> problems = spark.createDataFrame(
                        List.of(
                                RowFactory.create("p-1", REWORDED),
                                RowFactory.create("p-2", "Compute 2 + 3 * 4."),
                                RowFactory.create(
                                        "p-3",
                                        "A train travels at 60 miles per hour for 3 hours. How far does it go?")),
                        DataTypes.createStructType(List.of(
                                DataTypes.createStructField("problem_id", DataTypes.StringType, false),
                                DataTypes.createStructField("problem", DataTypes.StringType, false))))
                .cache();
        ProblemCuration.Result result = ProblemCuration.run(
                spark,
                problems,
                CurationSettings.from(config),
                new HadoopFiles(spark.sparkContext().hadoopConfiguration()));
        Map<String, String> removed = result.removed().collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getString(0), r -> r.getString(1) + " " + r.getString(2)));
        assertThat(removed).containsOnlyKeys("p-1");
        assertThat(removed.get("p-1")).startsWith("contaminated math500 math500-test/precalculus/807.json overlap=");
        assertThat(result.stats().get("decontamination_benchmarks").toString()).contains("math500=500");
    }
}
