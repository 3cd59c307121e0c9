package redispark.jobs.ml;

import org.apache.spark.ml.param.Param;

/** The {@code outputCol} Param: output column: what the stage adds. */
public interface HasOutputCol<S> extends FluentParams<S> {
    default Param<String> outputCol() {
        return new Param<>(this, "outputCol", "output column: what the stage adds");
    }

    default String getOutputCol() {
        return $(outputCol());
    }

    default S setOutputCol(String value) {
        return setParam(outputCol(), value);
    }
}
