package redispark.jobs.stages;

import org.apache.spark.sql.SparkSession;
import redispark.jobs.config.RediConfig;
import redispark.jobs.run.RunDir;

/** What every stage gets: the session, the run directory and the resolved config. */
public record StageContext(SparkSession spark, RunDir run, RediConfig config) {}
