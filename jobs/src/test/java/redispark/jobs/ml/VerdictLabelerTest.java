package redispark.jobs.ml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
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
import redispark.jobs.spark.MathVerifyFunction;

class VerdictLabelerTest {
    static SparkSession spark;
    static Dataset<Row> outputs;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder()
                .master("local[2]")
                .appName("VerdictLabelerTest")
                .config("spark.ui.enabled", "false")
                .getOrCreate();
        StructType schema = new StructType()
                .add("id", DataTypes.IntegerType)
                .add("text", DataTypes.StringType)
                .add("answer", DataTypes.StringType);
        outputs = spark.createDataFrame(
                List.of(
                        RowFactory.create(
                                1,
                                "<think>\n1/2 + 1/4\n</think>\nThe final answer is \\boxed{\\dfrac{3}{4}}.",
                                "\\frac{3}{4}"),
                        RowFactory.create(2, "<think>\nso 7</think>\n\\boxed{8}", "7"),
                        RowFactory.create(3, "<think>\ncut off", "7")),
                schema);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static List<Row> verdicts(Dataset<Row> judged, String column) {
        return judged.orderBy("id")
                .select(column + ".correct", column + ".reason")
                .collectAsList();
    }

    @Test
    void transformAddsTheVerdictOfEveryRow() {
        Dataset<Row> judged = new VerdictLabeler()
                .setPredictionCol("text")
                .setGoldCol("answer")
                .transform(outputs);
        List<Row> v = verdicts(judged, "verdict");
        assertThat(v.get(0).getBoolean(0)).isTrue();
        assertThat(v.get(0).getString(1)).isEqualTo("match");
        assertThat(v.get(1).getBoolean(0)).isFalse();
        assertThat(v.get(1).getString(1)).isEqualTo("mismatch");
        assertThat(v.get(2).getString(1)).isEqualTo("no_answer");
    }

    @Test
    void savedAndLoadedInsideAPipelineItKeepsItsParams(@TempDir Path dir) throws Exception {
        VerdictLabeler stage = new VerdictLabeler()
                .setPredictionCol("text")
                .setGoldCol("answer")
                .setOutputCol("v")
                .setBudgetMillis(20);
        PipelineModel model =
                new Pipeline().setStages(new PipelineStage[] {stage}).fit(outputs);
        model.write().overwrite().save(dir.resolve("pipeline").toString());
        PipelineModel loaded = PipelineModel.load(dir.resolve("pipeline").toString());
        VerdictLabeler back = (VerdictLabeler) loaded.stages()[0];
        assertThat(back.uid()).isEqualTo(stage.uid());
        assertThat(back.getOutputCol()).isEqualTo("v");
        assertThat(back.getBudgetMillis()).isEqualTo(20);
        assertThat(verdicts(loaded.transform(outputs), "v")).isEqualTo(verdicts(model.transform(outputs), "v"));
        VerdictLabeler direct = VerdictLabeler.load(saveAlone(stage, dir.resolve("alone")));
        assertThat(direct.getPredictionCol()).isEqualTo("text");
    }

    private static String saveAlone(VerdictLabeler stage, Path path) throws Exception {
        stage.write().overwrite().save(path.toString());
        return path.toString();
    }

    @Test
    void aMissingColumnNamesTheParamToSet() {
        assertThatThrownBy(() -> new VerdictLabeler().setGoldCol("answer").transform(outputs))
                .hasMessageContaining("column 'prediction' not found; set Param predictionCol");
    }

    @Test
    void theSqlFunctionGivesTheSameVerdicts() {
        MathVerifyFunction.register(spark, 50);
        outputs.createOrReplaceTempView("outputs");
        Dataset<Row> judged = spark.sql("SELECT id, math_verify(text, answer) AS v FROM outputs");
        assertThat(verdicts(judged, "v"))
                .isEqualTo(verdicts(
                        new VerdictLabeler()
                                .setPredictionCol("text")
                                .setGoldCol("answer")
                                .setOutputCol("v")
                                .transform(outputs),
                        "v"));
    }

    @Test
    void aRoundedDecimalNeedsARoundingQuestionOrTheApproximateParam() {
        StructType schema = new StructType()
                .add("id", DataTypes.IntegerType)
                .add("text", DataTypes.StringType)
                .add("answer", DataTypes.StringType)
                .add("problem", DataTypes.StringType);
        Dataset<Row> rounded = spark.createDataFrame(
                List.of(
                        RowFactory.create(1, "\\boxed{12.57}", "4\\pi", "Area, to the nearest hundredth?"),
                        RowFactory.create(2, "\\boxed{12.57}", "4\\pi", "What is the area?")),
                schema);
        VerdictLabeler base = new VerdictLabeler().setPredictionCol("text").setGoldCol("answer");
        assertThat(verdicts(base.transform(rounded), "verdict"))
                .extracting(r -> r.getString(1))
                .containsExactly("mismatch", "mismatch");
        assertThat(verdicts(
                        base.copy(new org.apache.spark.ml.param.ParamMap())
                                .setProblemCol("problem")
                                .transform(rounded),
                        "verdict"))
                .extracting(r -> r.getString(1))
                .containsExactly("match", "mismatch");
        assertThat(verdicts(
                        new VerdictLabeler()
                                .setPredictionCol("text")
                                .setGoldCol("answer")
                                .setApproximate(true)
                                .transform(rounded),
                        "verdict"))
                .extracting(r -> r.getString(1))
                .containsExactly("match", "match");
        MathVerifyFunction.register(spark, 50);
        rounded.createOrReplaceTempView("rounded");
        assertThat(spark.sql("SELECT id, math_verify_question(text, answer, problem) AS v FROM rounded")
                        .orderBy("id")
                        .select("v.reason")
                        .collectAsList())
                .extracting(r -> r.getString(0))
                .containsExactly("match", "mismatch");
    }
}
