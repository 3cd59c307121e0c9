package redispark.jobs.ml;

import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * What the stages of this package and their shared Param traits ({@link HasOutputCol}, {@link HasProblemCol},
 * {@link HasCompletionCol}) build on, in the manner of MLlib's {@code HasSeed} or {@code HasMaxIter}: setters that
 * return the stage itself, typed {@code S}.
 *
 * <p>Each Param is declared once, by the no-argument method that Spark finds it through, and that method builds the
 * Param on every call: a Java interface holds no fields, and Spark tells Params apart by owner uid and name only, so
 * every call yields the same Param. The owner's uid must be set before the first call.
 */
public interface FluentParams<S> extends Params {
    /** Sets {@code param} to {@code value}; returns the stage, for chained setters. */
    @SuppressWarnings("unchecked")
    default <T> S setParam(Param<T> param, T value) {
        set(param, value);
        return (S) this;
    }
}
