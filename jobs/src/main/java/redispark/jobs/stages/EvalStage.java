package redispark.jobs.stages;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import redispark.eval.BenchmarkScore;
import redispark.eval.Evaluator;
import redispark.jobs.config.RediConfig;
import redispark.jobs.run.HadoopFiles;
import redispark.jobs.spark.SparkSchemas;
import redispark.train.objective.Objective;

/**
 * {@code redi eval}: samples answers from the base, SFT and REDI students (those that exist) on the held-out
 * problems, on the executors, with the same problems, settings and seeds for every model; scores them with the
 * verifier. Writes {@code eval/generations} and {@code eval/summary.json}.
 */
public final class EvalStage implements Stage {
    public static final String BENCHMARK = "synthetic-heldout";
    public static final String SUMMARY = "eval/summary.json";

    @Override
    public String name() {
        return "eval";
    }

    @Override
    public List<String> configPaths() {
        return List.of("eval", "train", "student", "split", "label", "problems", "teacher");
    }

    /** Model name → checkpoint directory (relative to the run), in the order they are reported. */
    static Map<String, String> models() {
        Map<String, String> models = new LinkedHashMap<>();
        models.put("base", StudentBase.DIR);
        models.put("sft", TrainStage.checkpointOf(Objective.SFT));
        models.put("redi", TrainStage.checkpointOf(Objective.REDI));
        return models;
    }

    @Override
    public StageOutcome run(StageContext context) {
        RediConfig config = context.config();
        StudentBase.ensure(context);
        Dataset<Row> heldout = context.run().readTable(context.spark(), "problems", "generate")
                .filter(col("split").equalTo("heldout")).select("problem_id", "problem", "gold").orderBy("problem_id");
        if (heldout.isEmpty()) {
            throw new IllegalArgumentException("no held-out problems (set problems.heldout-count > 0)");
        }
        int samples = config.getInt("eval.samples");
        double temperature = config.getDouble("eval.temperature");
        double topP = config.getDouble("eval.top-p");
        int maxNewTokens = config.getInt("eval.max-new-tokens");
        long seed = config.getLong("eval.seed");
        HadoopFiles files = context.run().files();

        Dataset<Row> all = null;
        Map<String, Object> summary = new LinkedHashMap<>();
        Map<String, Object> scores = new LinkedHashMap<>();
        for (Map.Entry<String, String> model : models().entrySet()) {
            if (!context.run().exists(model.getValue())) {
                continue;
            }
            String name = model.getKey();
            String uri = context.run().path(model.getValue());
            FlatMapFunction<Iterator<Row>, Row> generate = rows -> {
                List<Evaluator.Item> items = new ArrayList<>();
                rows.forEachRemaining(r -> items.add(new Evaluator.Item(r.getString(0), r.getString(1), r.getString(2))));
                if (items.isEmpty()) {
                    return java.util.Collections.emptyIterator();
                }
                List<Row> out = new ArrayList<>();
                for (Evaluator.Scored s : Evaluator.run(files.localDirectory(uri), items, samples, temperature, topP,
                        maxNewTokens, seed)) {
                    out.add(RowFactory.create(name, BENCHMARK, s.problemId(), s.sampleIdx(), s.text(),
                            s.finishReason(), s.completionTokens(), s.verdict().correct(),
                            s.verdict().reason().label(), s.verdict().extracted()));
                }
                return out.iterator();
            };
            JavaRDD<Row> rows = heldout.toJavaRDD().mapPartitions(generate);
            Dataset<Row> generations = context.spark().createDataFrame(rows, SparkSchemas.EVAL_GENERATIONS).cache();
            scores.put(name, Map.of(BENCHMARK, score(generations, samples)));
            all = all == null ? generations : all.union(generations);
        }
        long rows = context.run().writeTable(all, "eval/generations");
        summary.put("models", scores);
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("samples", samples);
        settings.put("temperature", temperature);
        settings.put("top_p", topP);
        settings.put("max_new_tokens", maxNewTokens);
        settings.put("seed", seed);
        settings.put("prompt", "chat template of each model folder (tokenizer_config.json)");
        settings.put("verifier", "redispark.verify.MathVerifier v" + redispark.verify.MathVerifier.VERSION);
        summary.put("settings", settings);
        context.run().files().writeText(context.run().path(SUMMARY), Json.write(summary));
        return StageOutcome.of(Map.of("eval/generations", rows), Map.of());
    }

    private static Map<String, Object> score(Dataset<Row> generations, int samples) {
        Map<String, boolean[]> grid = new LinkedHashMap<>();
        long tokens = 0;
        long truncated = 0;
        long n = 0;
        for (Row r : generations.select("problem_id", "sample_idx", "correct", "completion_tokens", "finish_reason")
                .orderBy("problem_id", "sample_idx").collectAsList()) {
            grid.computeIfAbsent(r.getString(0), k -> new boolean[samples])[r.getInt(1)] = r.getBoolean(2);
            tokens += r.getInt(3);
            truncated += "length".equals(r.getString(4)) ? 1 : 0;
            n++;
        }
        Map<String, Object> out = new LinkedHashMap<>(BenchmarkScore.score(grid.values().toArray(boolean[][]::new)));
        out.put("problems", grid.size());
        out.put("samples", samples);
        out.put("mean_completion_tokens", n == 0 ? 0.0 : (double) tokens / n);
        out.put("truncation_rate", n == 0 ? 0.0 : (double) truncated / n);
        return out;
    }
}
