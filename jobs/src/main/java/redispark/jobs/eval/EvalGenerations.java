package redispark.jobs.eval;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import redispark.eval.Evaluator;
import redispark.eval.ModelCache;
import redispark.eval.ModelHash;
import redispark.jobs.run.HadoopFiles;
import redispark.jobs.spark.SparkSchemas;

/** One model's samples on one benchmark, generated and scored on the executors. */
public final class EvalGenerations {
    private EvalGenerations() {}

    /** A model to sample from: the name its rows carry, its folder, and the folder's content hash (the cache key). */
    public record Model(String name, String uri, String hash) implements java.io.Serializable {
        public static Model of(HadoopFiles files, String name, String uri) {
            return new Model(name, uri, ModelHash.of(files.localDirectory(uri)));
        }
    }

    /**
     * @param problems {@code (problem_id, problem, gold)}, as {@link EvalProblems} spreads them
     */
    public static Dataset<Row> of(
            SparkSession spark,
            HadoopFiles files,
            Model model,
            String benchmark,
            Dataset<Row> problems,
            EvalConfig.Sampling s) {
        String uri = model.uri();
        String hash = model.hash();
        String name = model.name();
        FlatMapFunction<Iterator<Row>, Row> generate = rows -> {
            List<Evaluator.Item> items = new ArrayList<>();
            rows.forEachRemaining(r -> items.add(new Evaluator.Item(
                    r.getString(r.fieldIndex("problem_id")),
                    r.getString(r.fieldIndex("problem")),
                    r.getString(r.fieldIndex("gold")))));
            if (items.isEmpty()) {
                return Collections.emptyIterator();
            }
            List<Evaluator.Scored> scored;
            // one copy of the model per executor JVM, shared by its tasks and kept for the next benchmark
            try (ModelCache.Lease lease = ModelCache.shared().lease(uri, hash, () -> files.localDirectory(uri))) {
                scored = Evaluator.run(
                        lease.loaded(), items, s.samples(), s.temperature(), s.topP(), s.maxNewTokens(), s.seed());
            }
            List<Row> out = new ArrayList<>();
            for (Evaluator.Scored x : scored) {
                out.add(RowFactory.create(
                        name,
                        benchmark,
                        x.problemId(),
                        x.sampleIdx(),
                        x.text(),
                        x.finishReason(),
                        x.completionTokens(),
                        x.verdict().correct(),
                        x.verdict().reason().label(),
                        x.verdict().extracted()));
            }
            return out.iterator();
        };
        return spark.createDataFrame(problems.toJavaRDD().mapPartitions(generate), SparkSchemas.EVAL_GENERATIONS);
    }
}
