/** Evaluation maths: the unbiased pass@k estimator and benchmark scores with the paper's standard error. */
package redispark.eval;
