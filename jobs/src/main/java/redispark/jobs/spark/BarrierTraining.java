package redispark.jobs.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Function1;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * Runs one training replica per partition as a Spark barrier stage (all tasks start together or not at all), as
 * XGBoost4J-Spark does. The stage is followed by a shuffle ({@code repartition(1)}) so Spark retries it as a whole
 * when a task fails: only shuffle-map stages are retried.
 */
public final class BarrierTraining {
    private BarrierTraining() {}

    /** The work of one replica: its rank, the world size and its rows in; small result strings out. */
    @FunctionalInterface
    public interface Replica extends Serializable {
        List<String> train(int rank, int worldSize, List<Row> rows) throws Exception;
    }

    public static List<String> run(Dataset<Row> examples, int workers, Replica replica) {
        JavaRDD<Row> partitioned = examples.repartition(workers).toJavaRDD();
        Function1<scala.collection.Iterator<Row>, scala.collection.Iterator<String>> body =
                (Function1<scala.collection.Iterator<Row>, scala.collection.Iterator<String>> & Serializable) rows -> {
                    BarrierTaskContext task = BarrierTaskContext.get();
                    List<Row> shard = new ArrayList<>();
                    Iterator<Row> it = CollectionConverters.asJava(rows);
                    it.forEachRemaining(shard::add);
                    try {
                        List<String> out = replica.train(task.partitionId(), workers, shard);
                        return CollectionConverters.asScala(out.iterator());
                    } catch (RuntimeException e) {
                        throw e;
                    } catch (Exception e) {
                        throw new IllegalStateException(e.getMessage(), e);
                    }
                };
        ClassTag<String> tag = ClassTag$.MODULE$.apply(String.class);
        JavaRDD<String> trained = partitioned.rdd().barrier().mapPartitions(body, false, tag).toJavaRDD();
        return trained.repartition(1).collect();
    }
}
