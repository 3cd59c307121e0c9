/**
 * Problems and teachers: the synthetic problem families ({@link redispark.teacher.SyntheticProblems})
 * and the {@link redispark.teacher.Teacher} interface with its built-in implementation ({@link
 * redispark.teacher.BuiltInTeacher}), which writes short R1-style traces with a configurable error
 * model. Pure Java; no Spark, no DJL.
 */
package redispark.teacher;
