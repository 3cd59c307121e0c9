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
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import redispark.jobs.spark.MathVerifyFunction;
import redispark.jobs.table.ProblemsTable;
import redispark.jobs.table.VerdictStruct;

/**
 * The math verifier as a Spark ML {@link Transformer}: adds {@code outputCol} =
 * {@code struct<correct, extracted, reason>} judging {@code predictionCol} (a model output) against {@code goldCol}.
 * Saved and loaded with ML persistence like any MLlib stage; usable inside a {@code Pipeline}.
 *
 * <pre>{@code
 * Dataset<Row> judged = new MathVerifier().setPredictionCol("text").setGoldCol("gold").transform(traces);
 * }</pre>
 *
 * {@code problemCol} (optional) names the question column: a question that asks for rounding lets a rounded decimal
 * match an exact gold; {@code approximate} allows that for every question.
 */
public final class MathVerifier extends Transformer implements DefaultParamsWritable {
    private final String uid;

    // Params are created in the constructor, after the uid (a Param records its parent's uid), and exposed through
    // no-argument methods: Spark discovers a stage's Params by reflection on such methods, not on fields.
    private final Param<String> predictionCol;
    private final Param<String> goldCol;
    private final Param<String> outputCol;
    private final IntParam budgetMillis;
    private final Param<String> problemCol;
    private final BooleanParam approximate;

    public MathVerifier() {
        this(Identifiable$.MODULE$.randomUID("mathVerifier"));
    }

    public MathVerifier(String uid) {
        this.uid = uid;
        predictionCol = new Param<>(this, "predictionCol", "column with the model output to judge");
        goldCol = new Param<>(this, "goldCol", "column with the gold answer (bare LaTeX)");
        outputCol = new Param<>(this, "outputCol", "output column: struct<correct, extracted, reason>");
        budgetMillis = new IntParam(
                this,
                "budgetMillis",
                "hard time budget of one verification in milliseconds (over budget: correct=false, reason=timeout)",
                ParamValidators.gt(0));
        setDefault(predictionCol, "prediction");
        setDefault(goldCol, ProblemsTable.GOLD);
        setDefault(outputCol, "verdict");
        problemCol = new Param<>(
                this,
                "problemCol",
                "optional column with the question; one asking for rounding lets a rounded decimal match (\"\": none)");
        approximate = new BooleanParam(
                this, "approximate", "lenient decimals: a rounded decimal matches any exact gold it rounds");
        setDefault(budgetMillis, 50);
        setDefault(problemCol, "");
        setDefault(approximate, false);
    }

    public Param<String> problemCol() {
        return problemCol;
    }

    public BooleanParam approximate() {
        return approximate;
    }

    public MathVerifier setProblemCol(String value) {
        set(problemCol, value);
        return this;
    }

    public MathVerifier setApproximate(boolean value) {
        set(approximate, value);
        return this;
    }

    public String getProblemCol() {
        return $(problemCol);
    }

    public boolean getApproximate() {
        return (Boolean) $(approximate);
    }

    public Param<String> predictionCol() {
        return predictionCol;
    }

    public Param<String> goldCol() {
        return goldCol;
    }

    public Param<String> outputCol() {
        return outputCol;
    }

    public IntParam budgetMillis() {
        return budgetMillis;
    }

    public static MLReader<MathVerifier> read() {
        return new DefaultParamsReadable<MathVerifier>() {}.read();
    }

    public static MathVerifier load(String path) {
        return read().load(path);
    }

    @Override
    public String uid() {
        return uid;
    }

    public MathVerifier setPredictionCol(String value) {
        set(predictionCol, value);
        return this;
    }

    public MathVerifier setGoldCol(String value) {
        set(goldCol, value);
        return this;
    }

    public MathVerifier setOutputCol(String value) {
        set(outputCol, value);
        return this;
    }

    public MathVerifier setBudgetMillis(int value) {
        set(budgetMillis, value);
        return this;
    }

    public String getPredictionCol() {
        return $(predictionCol);
    }

    public String getGoldCol() {
        return $(goldCol);
    }

    public String getOutputCol() {
        return $(outputCol);
    }

    public int getBudgetMillis() {
        return (Integer) $(budgetMillis);
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
        requireString(schema, getPredictionCol(), "predictionCol");
        requireString(schema, getGoldCol(), "goldCol");
        if (!getProblemCol().isEmpty()) {
            requireString(schema, getProblemCol(), "problemCol");
        }
        if (java.util.Arrays.asList(schema.fieldNames()).contains(getOutputCol())) {
            throw new IllegalArgumentException(
                    "output column '" + getOutputCol() + "' already exists; set Param outputCol to another name");
        }
        return schema.add(new StructField(
                getOutputCol(), VerdictStruct.SCHEMA, false, org.apache.spark.sql.types.Metadata.empty()));
    }

    private static void requireString(StructType schema, String column, String param) {
        if (!java.util.Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException("column '" + column + "' not found; set Param " + param + " (columns: "
                    + String.join(", ", schema.fieldNames()) + ")");
        }
        if (!schema.apply(column).dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("column '" + column + "' must be a string, is "
                    + schema.apply(column).dataType().simpleString() + " (Param " + param + ")");
        }
    }

    @Override
    public MathVerifier copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}
