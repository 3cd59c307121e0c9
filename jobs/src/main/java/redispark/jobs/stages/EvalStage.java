package redispark.jobs.stages;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import redispark.jobs.config.ConfigError;
import redispark.jobs.config.RediConfig;
import redispark.jobs.eval.EvalConfig;
import redispark.jobs.eval.EvalGenerations;
import redispark.jobs.eval.EvalProblems;
import redispark.jobs.eval.EvalScores;
import redispark.jobs.eval.EvalSummary;
import redispark.jobs.eval.EvalTargets;
import redispark.jobs.run.HadoopFiles;
import redispark.jobs.run.Json;
import redispark.jobs.table.EvalGenerationsTable;
import redispark.jobs.table.ProblemsTable;

/**
 * {@code redi eval}: samples answers from the run's models named in {@code eval.models} (base, SFT and REDI by
 * default; those not trained yet are skipped and listed) on the held-out problems, on the executors, with the same
 * problems, settings and seeds for every model; scores them with the verifier. Writes {@code eval/generations} and
 * {@code eval/summary.json}; the models a training run saved along the way are scored alike for the accuracy curve
 * (their generations are not kept). With {@code eval.backend = openai} the models of {@code eval.models} are served
 * ones, asked over HTTP ({@code eval.openai}), and scored alike.
 */
public final class EvalStage implements Stage {
    /** Evaluate these model folders (name → location) instead of the run's checkpoints ({@code redi eval --model}). */
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
    public String name() {
        return stageName;
    }

    @Override
    public List<String> configPaths() {
        return EvalConfig.PATHS;
    }

    @Override
    public List<String> inputs() {
        if (explicitModels.isEmpty()) {
            return List.of(ProblemsTable.NAME, "checkpoints"); // the models of eval.models, whichever exist
        }
        List<String> inputs = new ArrayList<>(List.of(ProblemsTable.NAME));
        // models outside the run directory (redi eval --model /abs/dir) are not fingerprinted here
        explicitModels.values().stream().filter(EvalTargets::insideRun).forEach(inputs::add);
        return inputs;
    }

    @Override
    public List<String> externalInputs(RediConfig config) {
        return EvalConfig.from(config).benchmarkFiles();
    }

    @Override
    public List<String> outputs() {
        return List.of(EvalGenerationsTable.in(outputDir), outputDir + "/summary.json");
    }

    @Override
    public StageOutcome run(StageContext context) {
        EvalConfig config = EvalConfig.from(context.config());
        HadoopFiles files = context.run().files();
        boolean served = config.backend() == EvalConfig.Backend.OPENAI;
        if (served && !explicitModels.isEmpty()) {
            throw new ConfigError(
                    "eval.backend = openai evaluates the served models of eval.models, not model folders");
        }
        if (!served && explicitModels.isEmpty() && config.models().contains("base")) {
            StudentBase.ensure(context);
        }
        EvalTargets targets = served
                ? EvalTargets.served(config)
                : explicitModels.isEmpty()
                        ? EvalTargets.ofRun(context.run(), config.models())
                        : EvalTargets.explicit(context.run(), explicitModels);
        Map<String, Dataset<Row>> benchmarks = new LinkedHashMap<>();
        for (String name : config.benchmarks()) {
            benchmarks.put(name, EvalProblems.of(context.spark(), context.run(), config, name));
        }
        List<Dataset<Row>> kept = new ArrayList<>();
        Map<String, Object> scores = new LinkedHashMap<>();
        Map<String, Object> curve = new LinkedHashMap<>();
        Map<String, String> hashes = new LinkedHashMap<>();
        for (Map.Entry<String, String> target : targets.models().entrySet()) {
            EvalGenerations.Model model = served
                    ? EvalGenerations.Model.served(
                            target.getKey(), config.served().get(target.getKey()))
                    : EvalGenerations.Model.of(files, target.getKey(), target.getValue());
            scores.put(model.name(), EvalScores.perBenchmark(context.spark(), files, config, benchmarks, model, kept));
            if (served) {
                continue; // a server has no saved steps: no accuracy curve
            }
            hashes.put(model.name(), model.hash());
            Map<String, Object> byStep = new LinkedHashMap<>();
            EvalTargets.snapshots(files, model.uri())
                    .forEach((step, uri) -> byStep.put(
                            Integer.toString(step),
                            EvalScores.perBenchmark(
                                    context.spark(),
                                    files,
                                    config,
                                    benchmarks,
                                    EvalGenerations.Model.of(files, model.name() + "@" + step, uri),
                                    null)));
            if (!byStep.isEmpty()) {
                curve.put(model.name(), byStep);
            }
        }
        if (kept.isEmpty()) {
            throw new IllegalArgumentException("nothing to evaluate: no model checkpoint and no eval.benchmarks");
        }
        long rows = context.run()
                .writeTable(kept.stream().reduce(Dataset::union).orElseThrow(), EvalGenerationsTable.in(outputDir));
        Map<String, Object> summary = EvalSummary.of(scores, curve, targets.skipped(), config, hashes);
        files.writeText(context.run().path(outputDir + "/summary.json"), Json.write(summary));
        return StageOutcome.of(Map.of(EvalGenerationsTable.in(outputDir), rows), Map.of());
    }
}
