package redispark.jobs.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import redispark.jobs.spark.MathVerifyFunction;
import redispark.jobs.table.ProblemsTable;
import redispark.jobs.table.VerdictStruct;

/**
 * The math verifier as a Spark ML {@link Transformer} that labels each row with a verdict: adds {@code outputCol} =
 * {@code struct<correct, extracted, reason>} judging {@code predictionCol} (a model output) against {@code goldCol}.
 * Saved and loaded with ML persistence like any MLlib stage; usable inside a {@code Pipeline}.
 *
 * <pre>{@code
 * Dataset<Row> judged = new VerdictLabeler().setPredictionCol("text").setGoldCol("gold").transform(traces);
 * }</pre>
 *
 * {@code problemCol} (optional, "" = none) names the question column: a question that asks for rounding lets a
 * rounded decimal match an exact gold; {@code approximate} allows that for every question.
 */
public final class VerdictLabeler extends Transformer
        implements HasProblemCol<VerdictLabeler>, HasOutputCol<VerdictLabeler>, DefaultParamsWritable {
    private final String uid;

    public VerdictLabeler() {
        this(Identifiable$.MODULE$.randomUID("verdictLabeler"));
    }

    public VerdictLabeler(String uid) {
        this.uid = uid;
        setDefault(predictionCol(), "prediction");
        setDefault(goldCol(), ProblemsTable.GOLD);
        setDefault(outputCol(), "verdict");
        setDefault(budgetMillis(), 50);
        setDefault(problemCol(), "");
        setDefault(approximate(), false);
    }

    @Override
    public String uid() {
        return uid;
    }

    public static MLReader<VerdictLabeler> read() {
        return new DefaultParamsReadable<VerdictLabeler>() {}.read();
    }

    public static VerdictLabeler load(String path) {
        return read().load(path);
    }

    public Param<String> predictionCol() {
        return new Param<>(this, "predictionCol", "column with the model output to judge");
    }

    public Param<String> goldCol() {
        return new Param<>(this, "goldCol", "column with the gold answer (bare LaTeX)");
    }

    public IntParam budgetMillis() {
        return new IntParam(
                this,
                "budgetMillis",
                "hard time budget of one verification in milliseconds (over budget: correct=false, reason=timeout)",
                ParamValidators.gt(0));
    }

    public BooleanParam approximate() {
        return new BooleanParam(
                this, "approximate", "lenient decimals: a rounded decimal matches any exact gold it rounds");
    }

    public VerdictLabeler setPredictionCol(String value) {
        return setParam(predictionCol(), value);
    }

    public VerdictLabeler setGoldCol(String value) {
        return setParam(goldCol(), value);
    }

    public VerdictLabeler setBudgetMillis(int value) {
        return setParam(budgetMillis(), value);
    }

    public VerdictLabeler setApproximate(boolean value) {
        return setParam(approximate(), value);
    }

    public String getPredictionCol() {
        return $(predictionCol());
    }

    public String getGoldCol() {
        return $(goldCol());
    }

    public int getBudgetMillis() {
        return (Integer) $(budgetMillis());
    }

    public boolean getApproximate() {
        return (Boolean) $(approximate());
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        MathVerifyFunction f = new MathVerifyFunction(getBudgetMillis(), getApproximate());
        if (getProblemCol().isEmpty()) {
            UserDefinedFunction verify = udf((UDF2<String, String, Row>) f, VerdictStruct.SCHEMA);
            return dataset.withColumn(getOutputCol(), verify.apply(col(getPredictionCol()), col(getGoldCol())));
        }
        UserDefinedFunction verify = udf((UDF3<String, String, String, Row>) f, VerdictStruct.SCHEMA);
        return dataset.withColumn(
                getOutputCol(), verify.apply(col(getPredictionCol()), col(getGoldCol()), col(getProblemCol())));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        StageColumns.requireString(schema, this, predictionCol());
        StageColumns.requireString(schema, this, goldCol());
        if (!getProblemCol().isEmpty()) {
            StageColumns.requireString(schema, this, problemCol());
        }
        StageColumns.requireFree(schema, this, outputCol());
        return schema.add(new StructField(
                getOutputCol(), VerdictStruct.SCHEMA, false, org.apache.spark.sql.types.Metadata.empty()));
    }

    @Override
    public VerdictLabeler copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}
