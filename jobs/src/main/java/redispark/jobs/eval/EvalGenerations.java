package redispark.jobs.eval;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import redispark.eval.Evaluator;
import redispark.eval.ModelCache;
import redispark.eval.ModelHash;
import redispark.jobs.run.HadoopFiles;
import redispark.jobs.table.EvalGenerationsTable;
import redispark.jobs.table.EvalPromptsFrame;
import redispark.teacher.openai.OpenAiClientConfig;

/** One model's samples on one benchmark, generated (locally or by its server) and scored on the executors. */
public final class EvalGenerations {
    private EvalGenerations() {}

    /**
     * A model to sample from: the name its rows carry, and either its folder and the folder's content hash (the cache
     * key), or the server that serves it ({@code served}, with {@code uri} and {@code hash} null).
     */
    public record Model(String name, String uri, String hash, OpenAiClientConfig served)
            implements java.io.Serializable {
        public static Model of(HadoopFiles files, String name, String uri) {
            return new Model(name, uri, ModelHash.of(files.localDirectory(uri)), null);
        }

        public static Model served(String name, OpenAiClientConfig server) {
            return new Model(name, null, null, server);
        }
    }

    /**
     * @param problems an {@link EvalPromptsFrame}, as {@link EvalProblems} spreads it
     * @return the {@link EvalGenerationsTable} rows
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
        OpenAiClientConfig served = model.served();
        FlatMapFunction<Iterator<Row>, Row> generate = rows -> {
            List<Evaluator.Item> items = new ArrayList<>();
            rows.forEachRemaining(r -> items.add(new Evaluator.Item(
                    r.getAs(EvalPromptsFrame.PROBLEM_ID),
                    r.getAs(EvalPromptsFrame.PROBLEM),
                    r.getAs(EvalPromptsFrame.GOLD))));
            if (items.isEmpty()) {
                return Collections.emptyIterator();
            }
            List<Evaluator.Scored> scored;
            if (served != null) {
                scored = ServedAnswers.of(served, items, s);
            } else {
                // one copy of the model per executor JVM, shared by its tasks and kept for the next benchmark
                try (ModelCache.Lease lease = ModelCache.shared().lease(uri, hash, () -> files.localDirectory(uri))) {
                    scored = Evaluator.run(
                            lease.loaded(), items, s.samples(), s.temperature(), s.topP(), s.maxNewTokens(), s.seed());
                }
            }
            List<Row> out = new ArrayList<>();
            for (Evaluator.Scored x : scored) {
                out.add(EvalGenerationsTable.row(
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
        return spark.createDataFrame(problems.toJavaRDD().mapPartitions(generate), EvalGenerationsTable.SCHEMA);
    }
}
