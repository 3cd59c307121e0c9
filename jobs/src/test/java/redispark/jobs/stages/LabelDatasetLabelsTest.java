package redispark.jobs.stages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redispark.jobs.config.RediConfig;
import redispark.jobs.spark.SparkSessions;

/** {@code label.dataset-labels}: how the verifier's verdict and OpenR1's own labels combine. */
class LabelDatasetLabelsTest {
    static Dataset<Row> verdicts;

    @BeforeAll
    static void prepare() {
        SparkSession spark = SparkSessions.getOrCreate(RediConfig.load(null, List.of()));
        // id, verifier correct, verifier reason, OpenR1 math-verify label, OpenR1 Llama label
        verdicts = spark.createDataFrame(
                List.of(
                        RowFactory.create("both-yes", true, "match", true, true),
                        RowFactory.create("llama-no", true, "match", true, false),
                        RowFactory.create("verifier-no", false, "mismatch", true, true),
                        RowFactory.create("no-labels", true, "match", null, null),
                        RowFactory.create("mv-only-no", true, "match", false, null)),
                DataTypes.createStructType(List.of(
                        DataTypes.createStructField("id", DataTypes.StringType, false),
                        DataTypes.createStructField("correct", DataTypes.BooleanType, false),
                        DataTypes.createStructField("reason", DataTypes.StringType, false),
                        DataTypes.createStructField("openr1_math_verify", DataTypes.BooleanType, true),
                        DataTypes.createStructField("openr1_llama", DataTypes.BooleanType, true))));
    }

    static List<String> apply(String policy) {
        return LabelStage.withDatasetLabels(verdicts, policy).orderBy("id").collectAsList().stream()
                .map(r -> r.getAs("id") + " " + r.getAs("correct") + " " + r.getAs("reason"))
                .toList();
    }

    @Test
    void ignoreKeepsTheVerifier() {
        assertThat(apply("ignore"))
                .containsExactly(
                        "both-yes true match",
                        "llama-no true match",
                        "mv-only-no true match",
                        "no-labels true match",
                        "verifier-no false mismatch");
    }

    @Test
    void andNeedsTheVerifierAndEveryLabelPresent() {
        assertThat(apply("and"))
                .containsExactly(
                        "both-yes true match",
                        "llama-no false dataset_label_incorrect",
                        "mv-only-no false dataset_label_incorrect",
                        "no-labels true match",
                        "verifier-no false mismatch");
    }

    @Test
    void onlyTakesTheDatasetsLabelsWhereItHasAny() {
        assertThat(apply("only"))
                .containsExactly(
                        "both-yes true dataset_label_correct",
                        "llama-no false dataset_label_incorrect",
                        "mv-only-no false dataset_label_incorrect",
                        "no-labels true match",
                        "verifier-no true dataset_label_correct");
        assertThatThrownBy(() -> apply("either")).hasMessageContaining("label.dataset-labels");
    }
}
