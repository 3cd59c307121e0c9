/**
 * Problem tables: {@link redispark.teacher.source.BenchmarkProblems} reads the evaluation benchmarks
 * (MATH-500, AIME24, AMC23, GSM8K, Minerva, OlympiadBench, ...) with each file's own problem and gold
 * columns, and {@link redispark.teacher.source.JsonlProblems} reads any JSONL table with configurable
 * columns. Bad lines come back as {@link redispark.teacher.source.Reject}s next to the problems, never
 * dropped silently. Jackson only; no Spark.
 */
package redispark.teacher.source;
