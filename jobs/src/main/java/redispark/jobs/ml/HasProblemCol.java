package redispark.jobs.ml;

import org.apache.spark.ml.param.Param;

/** The {@code problemCol} Param: column with the problem text. */
public interface HasProblemCol<S> extends FluentParams<S> {
    default Param<String> problemCol() {
        return new Param<>(this, "problemCol", "column with the problem text");
    }

    default String getProblemCol() {
        return $(problemCol());
    }

    default S setProblemCol(String value) {
        return setParam(problemCol(), value);
    }
}
