package redispark.jobs.ml;

import org.apache.spark.ml.param.Param;

/** The {@code completionCol} Param: column with the completion. */
public interface HasCompletionCol<S> extends FluentParams<S> {
    default Param<String> completionCol() {
        return new Param<>(this, "completionCol", "column with the completion");
    }

    default String getCompletionCol() {
        return $(completionCol());
    }

    default S setCompletionCol(String value) {
        return setParam(completionCol(), value);
    }
}
