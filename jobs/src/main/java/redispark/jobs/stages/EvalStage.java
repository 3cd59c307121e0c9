package redispark.jobs.stages;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import redispark.eval.BenchmarkScore;
import redispark.eval.Evaluator;
import redispark.eval.ModelCache;
import redispark.eval.ModelHash;
import redispark.jobs.config.ConfigError;
import redispark.jobs.config.RediConfig;
import redispark.jobs.generate.BenchmarkDir;
import redispark.jobs.run.HadoopFiles;
import redispark.jobs.spark.SparkSchemas;
import redispark.teacher.Problem;
import redispark.teacher.source.Benchmark;
import redispark.teacher.source.BenchmarkProblems;
import redispark.teacher.source.ReadResult;

/**
 * {@code redi eval}: samples answers from the run's models named in {@code eval.models} (base, SFT and REDI by
 * default; those not trained yet are skipped and listed) on the held-out problems, on the executors, with the same
 * problems, settings and seeds for every model; scores them with the verifier. Writes {@code eval/generations} and {@code eval/summary.json}.
 */
public final class EvalStage implements Stage {
    /** The run's own held-out synthetic problems, as named in {@code eval.benchmarks} and the summary. */
    public static final String BENCHMARK = "synthetic";

    public static final String SUMMARY = "eval/summary.json";
    public static final String GENERATIONS = "eval/generations";
    /** Key of the summary's accuracy curve: model → step → benchmark → score, for the models saved along the way. */
    public static final String CHECKPOINTS = "checkpoints";

    @Override
    public String name() {
        return stageName;
    }

    @Override
    public List<String> configPaths() {
        return List.of("eval");
    }

    @Override
    public List<String> inputs() {
        if (explicitModels.isEmpty()) {
            return List.of("problems", "checkpoints"); // the models of eval.models, whichever exist
        }
        List<String> inputs = new ArrayList<>(List.of("problems"));
        // models outside the run directory (redi eval --model /abs/dir) are not fingerprinted here
        explicitModels.values().stream().filter(EvalStage::insideRun).forEach(inputs::add);
        return inputs;
    }

    /** A relative path names a folder of the run directory; anything else (absolute path, URI) is used as is. */
    private static boolean insideRun(String location) {
        return !location.startsWith("/") && !location.contains(":");
    }

    @Override
    public List<String> outputs() {
        return List.of(outputDir + "/generations", outputDir + "/summary.json");
    }

    /** The folder of the run's model {@code name}: {@code checkpoints/<name>} ({@code base} is the starting student). */
    static String checkpointOf(String name) {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new ConfigError("eval.models: '" + name + "' is not a checkpoint folder name "
                    + "(letters, digits, '.', '_', '-')");
        }
        return name.equals("base") ? StudentBase.DIR : "checkpoints/" + name;
    }

    /** Evaluate these model folders (name → URI) instead of the run's checkpoints ({@code redi eval --model}). */
    private final Map<String, String> explicitModels;

    private final String stageName;
    private final String outputDir;

    public EvalStage() {
        this(Map.of());
    }

    public EvalStage(Map<String, String> explicitModels) {
        this("eval", explicitModels, "eval");
    }

    /**
     * @param explicitModels name → model folder (absolute URI, or a path relative to the run directory)
     * @param outputDir where {@code generations} and {@code summary.json} go, relative to the run directory
     */
    public EvalStage(String stageName, Map<String, String> explicitModels, String outputDir) {
        this.stageName = stageName;
        this.explicitModels = new LinkedHashMap<>(explicitModels);
        this.outputDir = outputDir;
    }

    @Override
    public StageOutcome run(StageContext context) {
        RediConfig config = context.config();
        int samples = config.getInt("eval.samples");
        double temperature = config.getDouble("eval.temperature");
        double topP = config.getDouble("eval.top-p");
        int maxNewTokens = config.getInt("eval.max-new-tokens");
        long seed = config.getLong("eval.seed");
        HadoopFiles files = context.run().files();

        Map<String, String> targets = new LinkedHashMap<>();
        explicitModels.forEach((name, location) ->
                targets.put(name, insideRun(location) ? context.run().path(location) : location));
        List<String> skipped = new ArrayList<>();
        if (targets.isEmpty()) {
            for (String name : config.getStringList("eval.models")) {
                String dir = checkpointOf(name);
                if (dir.equals(StudentBase.DIR)) {
                    StudentBase.ensure(context);
                }
                if (context.run().exists(dir)) {
                    targets.put(name, context.run().path(dir));
                } else {
                    skipped.add(name);
                }
            }
            if (!skipped.isEmpty()) {
                System.out.printf("[redi] eval       not trained yet, skipped: %s%n", String.join(", ", skipped));
            }
        }
        Map<String, Dataset<Row>> benchmarks = new LinkedHashMap<>();
        int maxProblems = config.getInt("eval.max-problems");
        for (String name : config.getStringList("eval.benchmarks")) {
            Dataset<Row> problems = problems(context, name);
            benchmarks.put(name, spread(maxProblems > 0 ? problems.limit(maxProblems) : problems, config, context));
        }
        Dataset<Row> all = null;
        Map<String, Object> scores = new LinkedHashMap<>();
        Map<String, String> hashes = new LinkedHashMap<>();
        Sampling sampling = new Sampling(samples, temperature, topP, maxNewTokens, seed);
        for (Map.Entry<String, String> target : targets.entrySet()) {
            String name = target.getKey();
            String uri = target.getValue();
            String hash = ModelHash.of(files.localDirectory(uri));
            hashes.put(name, hash);
            Map<String, Object> perBenchmark = new LinkedHashMap<>();
            for (Map.Entry<String, Dataset<Row>> bench : benchmarks.entrySet()) {
                Dataset<Row> generations = generate(
                                context, name, uri, hash, bench.getKey(), bench.getValue(), sampling)
                        .cache();
                perBenchmark.put(bench.getKey(), score(generations, samples));
                all = all == null ? generations : all.union(generations);
            }
            scores.put(name, perBenchmark);
        }
        if (all == null) {
            throw new IllegalArgumentException("nothing to evaluate: no model checkpoint and no eval.benchmarks");
        }
        // the accuracy curve: the models a training run saved along the way, scored alike, generations not kept
        Map<String, Object> curve = new LinkedHashMap<>();
        for (Map.Entry<String, String> target : targets.entrySet()) {
            Map<String, Object> byStep = new LinkedHashMap<>();
            for (Map.Entry<Integer, String> snapshot :
                    snapshots(files, target.getValue()).entrySet()) {
                String uri = snapshot.getValue();
                String name = target.getKey() + "@" + snapshot.getKey();
                String hash = ModelHash.of(files.localDirectory(uri));
                Map<String, Object> perBenchmark = new LinkedHashMap<>();
                for (Map.Entry<String, Dataset<Row>> bench : benchmarks.entrySet()) {
                    perBenchmark.put(
                            bench.getKey(),
                            score(
                                    generate(context, name, uri, hash, bench.getKey(), bench.getValue(), sampling),
                                    samples));
                }
                byStep.put(Integer.toString(snapshot.getKey()), perBenchmark);
            }
            if (!byStep.isEmpty()) {
                curve.put(target.getKey(), byStep);
            }
        }
        long rows = context.run().writeTable(all, outputDir + "/generations");
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("models", scores);
        if (!curve.isEmpty()) {
            summary.put(CHECKPOINTS, curve);
        }
        if (!skipped.isEmpty()) {
            summary.put("skipped_models", skipped);
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("samples", samples);
        settings.put("temperature", temperature);
        settings.put("top_p", topP);
        settings.put("max_new_tokens", maxNewTokens);
        settings.put("seed", seed);
        settings.put(
                "prompt",
                "each model's chat template (tokenizer_config.json); benchmark problems wrapped in "
                        + "eval.instruction, synthetic problems bare");
        settings.put("instruction", config.getString("eval.instruction"));
        settings.put("verifier", "redispark.verify.MathVerifier v" + redispark.verify.MathVerifier.VERSION);
        settings.put("model_sha256", hashes);
        summary.put("settings", settings);
        context.run().files().writeText(context.run().path(outputDir + "/summary.json"), Json.write(summary));
        return StageOutcome.of(Map.of(outputDir + "/generations", rows), Map.of());
    }

    /** The sampling settings of {@code eval.*}, the same for every model. */
    private record Sampling(int samples, double temperature, double topP, int maxNewTokens, long seed)
            implements java.io.Serializable {}

    /** One model's samples on one benchmark, generated and scored on the executors. */
    private static Dataset<Row> generate(
            StageContext context,
            String name,
            String uri,
            String hash,
            String benchmark,
            Dataset<Row> problems,
            Sampling s) {
        HadoopFiles files = context.run().files();
        FlatMapFunction<Iterator<Row>, Row> generate = rows -> {
            List<Evaluator.Item> items = new ArrayList<>();
            rows.forEachRemaining(r -> items.add(new Evaluator.Item(r.getString(0), r.getString(1), r.getString(2))));
            if (items.isEmpty()) {
                return java.util.Collections.emptyIterator();
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
        return context.spark()
                .createDataFrame(problems.toJavaRDD().mapPartitions(generate), SparkSchemas.EVAL_GENERATIONS);
    }

    /**
     * The models a training run saved every {@code eval.every} steps next to {@code modelUri}
     * ({@link TrainStage#snapshotsOf}), step → folder in step order; none for a model outside a run's checkpoints.
     */
    static java.util.SortedMap<Integer, String> snapshots(HadoopFiles files, String modelUri) {
        java.util.SortedMap<Integer, String> out = new java.util.TreeMap<>();
        String dir = modelUri + TrainStage.SNAPSHOTS;
        for (String entry : files.list(dir)) {
            if (entry.matches("\\d+")) {
                out.put(Integer.parseInt(entry), dir + "/" + entry);
            }
        }
        return out;
    }

    /**
     * The problems spread over {@code eval.partitions} tasks by problem id (a small sorted table would otherwise be
     * one task on one executor), ordered by id within each, so the sampling seeds are the same on every rerun.
     */
    private static Dataset<Row> spread(Dataset<Row> problems, RediConfig config, StageContext context) {
        int partitions = config.getInt("eval.partitions");
        if (partitions < 0) {
            throw new ConfigError("eval.partitions must be >= 0, got " + partitions);
        }
        int n = partitions > 0 ? partitions : context.spark().sparkContext().defaultParallelism();
        return problems.repartition(n, col("problem_id")).sortWithinPartitions("problem_id");
    }

    /** (problem_id, prompt text, gold) of one benchmark, ordered by problem id. */
    private static Dataset<Row> problems(StageContext context, String benchmark) {
        if (benchmark.equals(BENCHMARK)) {
            Dataset<Row> heldout = context.run()
                    .readTable(context.spark(), "problems", "generate")
                    .filter(col("split").equalTo("heldout"))
                    .select("problem_id", "problem", "gold");
            if (heldout.isEmpty()) {
                throw new IllegalArgumentException("no held-out problems (set problems.heldout-count > 0)");
            }
            return heldout.orderBy("problem_id");
        }
        Benchmark which;
        try {
            which = Benchmark.fromId(benchmark);
        } catch (IllegalArgumentException e) {
            throw new ConfigError("eval.benchmarks: " + e.getMessage());
        }
        String instruction = context.config().getString("eval.instruction");
        if (!instruction.contains("{problem}")) {
            throw new ConfigError("eval.instruction must contain {problem}");
        }
        ReadResult read;
        try {
            read = BenchmarkProblems.fromDir(
                    BenchmarkDir.resolve(
                            context.config().getString("eval.benchmarks-dir"),
                            "eval.benchmarks-dir",
                            context.run().files()),
                    which);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read benchmark " + benchmark, e);
        }
        List<Row> rows = new ArrayList<>();
        for (Problem p : read.problems()) {
            rows.add(RowFactory.create(p.problemId(), instruction.replace("{problem}", p.problem()), p.gold()));
        }
        StructType schema = new StructType()
                .add("problem_id", DataTypes.StringType)
                .add("problem", DataTypes.StringType)
                .add("gold", DataTypes.StringType);
        return context.spark().createDataFrame(rows, schema).orderBy("problem_id");
    }

    private static Map<String, Object> score(Dataset<Row> generations, int samples) {
        Map<String, boolean[]> grid = new LinkedHashMap<>();
        long tokens = 0;
        long truncated = 0;
        long n = 0;
        for (Row r : generations
                .select("problem_id", "sample_idx", "correct", "completion_tokens", "finish_reason")
                .orderBy("problem_id", "sample_idx")
                .collectAsList()) {
            grid.computeIfAbsent(r.getString(0), k -> new boolean[samples])[r.getInt(1)] = r.getBoolean(2);
            tokens += r.getInt(3);
            truncated += "length".equals(r.getString(4)) ? 1 : 0;
            n++;
        }
        Map<String, Object> out =
                new LinkedHashMap<>(BenchmarkScore.score(grid.values().toArray(boolean[][]::new)));
        out.put("problems", grid.size());
        out.put("samples", samples);
        out.put("mean_completion_tokens", n == 0 ? 0.0 : (double) tokens / n);
        out.put("truncation_rate", n == 0 ? 0.0 : (double) truncated / n);
        return out;
    }
}
