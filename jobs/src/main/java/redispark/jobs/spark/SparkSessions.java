package redispark.jobs.spark;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import redispark.jobs.config.RediConfig;

/** Builds the session: under spark-submit the master comes from there; otherwise from {@code spark.master}. */
public final class SparkSessions {
    private SparkSessions() {}

    public static SparkSession getOrCreate(RediConfig config) {
        SparkConf conf = new SparkConf();
        if (!conf.contains("spark.master")) {
            conf.setMaster(config.getString("spark.master"));
            // A laptop run: no UI port to collide with, loopback only, quiet logs.
            conf.setIfMissing("spark.ui.enabled", "false");
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        conf.setIfMissing("spark.app.name", config.getString("spark.app-name"));
        conf.setIfMissing("spark.sql.shuffle.partitions", String.valueOf(config.getInt("spark.shuffle-partitions")));
        // A failed barrier stage should fail fast rather than wait out the default timeout (one year).
        conf.setIfMissing("spark.barrier.sync.timeout", "600s");
        for (Map.Entry<String, Object> e :
                config.raw().getConfig("spark.extra").root().unwrapped().entrySet()) {
            conf.set(e.getKey(), String.valueOf(e.getValue()));
        }
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        return spark;
    }
}
