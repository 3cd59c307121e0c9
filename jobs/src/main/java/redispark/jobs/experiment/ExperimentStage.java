package redispark.jobs.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redispark.jobs.config.RediConfig;
import redispark.jobs.stages.EvalStage;
import redispark.jobs.stages.Stage;
import redispark.jobs.stages.StageContext;
import redispark.jobs.stages.StageOutcome;
import redispark.jobs.stages.StageRunner;
import redispark.jobs.stages.TrainStage;
import redispark.train.objective.Objective;

/**
 * {@code redi experiment}: from the run's one SFT checkpoint, trains every method × learning-rate factor × seed of
 * {@code experiment.*} on the same pairs and step budget, evaluates each with the run's {@code eval.*} protocol (and
 * the first seed's runs also part-way, for accuracy over steps), and writes {@code experiment/report/}:
 * {@code results.json}, {@code results.md} and {@code index.html} with plots. Every run and evaluation is its own recorded stage, so a
 * rerun continues where a killed one stopped and a finished experiment does no work.
 */
public final class ExperimentStage implements Stage {
    public static final String DIR = "experiment";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public String name() {
        return "experiment";
    }

    @Override
    public List<String> configPaths() {
        return List.of("experiment", "train", "eval", "student");
    }

    @Override
    public List<String> inputs() {
        return List.of("problems", "pairs", TrainStage.checkpointOf(Objective.SFT));
    }

    @Override
    public List<String> outputs() {
        return List.of(ExperimentReport.DIR + "/results.json", ExperimentReport.DIR + "/index.html");
    }

    /** What {@code experiment.*} asks for, validated. */
    record Plan(List<Method> methods, List<Double> lrFactors, List<Long> seeds, List<Double> curvePoints) {
        static Plan of(RediConfig config) {
            List<Method> methods = config.getStringList("experiment.methods").stream().map(Method::parse).toList();
            List<Double> factors = config.raw().getDoubleList("experiment.lr-factors");
            List<Long> seeds = config.raw().getLongList("experiment.seeds");
            List<Double> points = config.raw().getDoubleList("experiment.curve-points");
            if (methods.isEmpty() || factors.isEmpty() || seeds.isEmpty()) {
                throw new IllegalArgumentException("experiment: methods, lr-factors and seeds must not be empty");
            }
            if (factors.stream().anyMatch(f -> !(f > 0))) {
                throw new IllegalArgumentException("experiment.lr-factors must be > 0, got " + factors);
            }
            if (points.stream().anyMatch(p -> !(p > 0 && p < 1))) {
                throw new IllegalArgumentException("experiment.curve-points must be in (0, 1), got " + points);
            }
            if (seeds.stream().distinct().count() != seeds.size()) {
                throw new IllegalArgumentException("experiment.seeds has duplicates: " + seeds);
            }
            return new Plan(methods, factors, seeds, points);
        }

        int runs() {
            return methods.size() * lrFactors.size() * seeds.size();
        }
    }

    /** One evaluated model: pass@1 and its standard error per benchmark. */
    record Score(Map<String, double[]> perBenchmark) {}

    /** One finished run: its steps, final score, and (first seed) scores part-way: step → score. */
    record Result(Arm arm, long steps, Score score, Map<Integer, Score> curve) {}

    @Override
    public StageOutcome run(StageContext context) {
        RediConfig config = context.config();
        Plan plan = Plan.of(config);
        if (!context.run().exists(TrainStage.checkpointOf(Objective.SFT))) {
            throw new IllegalArgumentException("no SFT checkpoint in " + context.run().root()
                    + " (run 'redi train-sft' first, or 'redi experiment' which runs it)");
        }
        Score start = evaluate(context, "sft", TrainStage.checkpointOf(Objective.SFT));
        List<Result> results = new ArrayList<>();
        int done = 0;
        for (Method method : plan.methods()) {
            for (double factor : plan.lrFactors()) {
                for (long seed : plan.seeds()) {
                    Arm arm = new Arm(method, factor, seed, 0);
                    System.out.printf("[redi] experiment run %d/%d: %s%n", ++done, plan.runs(), arm.name());
                    StageContext armContext = new StageContext(context.spark(), context.run(),
                            config.withOverrides(method.overrides(config, factor, seed)));
                    long steps = train(armContext, arm);
                    Score score = evaluate(armContext, arm.name(), TrainStage.checkpointOf(arm.name()));
                    Map<Integer, Score> curve = new LinkedHashMap<>();
                    if (seed == plan.seeds().get(0)) {
                        for (double point : plan.curvePoints()) {
                            int step = (int) Math.round(point * steps);
                            if (step < 1 || step >= steps || curve.containsKey(step)) {
                                continue;
                            }
                            Arm partial = arm.atStep(step);
                            StageContext partialContext = new StageContext(context.spark(), context.run(),
                                    armContext.config().withOverrides(List.of("train.max-steps=" + step)));
                            train(partialContext, partial);
                            // only the model at that step is kept; its resumable state is not needed again
                            context.run().files().delete(context.run().path(
                                    TrainStage.checkpointOf(partial.name()) + ".resume"));
                            curve.put(step, evaluate(partialContext, partial.name(),
                                    TrainStage.checkpointOf(partial.name())));
                        }
                    }
                    results.add(new Result(arm, steps, score, curve));
                }
            }
        }
        ExperimentReport.Summary summary = ExperimentReport.write(context, plan, start, results);
        Map<String, Long> rows = new LinkedHashMap<>();
        rows.put("runs", (long) results.size());
        rows.put("evaluations", 1L + results.size() + results.stream().mapToLong(r -> r.curve().size()).sum());
        System.out.println("[redi] experiment results (" + summary.benchmark() + ", pass@1 mean ± SEM over seeds):");
        System.out.print(summary.markdown());
        return StageOutcome.of(rows, Map.of());
    }

    /** Trains one run (skipped when already done with the same settings) and returns its model's global step. */
    private static long train(StageContext context, Arm arm) {
        StageOutcome outcome = StageRunner.run(new TrainStage(arm.method().objective(), arm.name()), context);
        Long step = outcome.rows().get("model_step");
        if (step == null) {
            throw new IllegalStateException("training run " + arm.name() + " recorded no model_step");
        }
        return step;
    }

    private static Score evaluate(StageContext context, String model, String checkpoint) {
        String dir = DIR + "/eval/" + model;
        StageRunner.run(new EvalStage("eval-" + model, Map.of(model, checkpoint), dir), context);
        JsonNode summary;
        try {
            summary = JSON.readTree(context.run().files().readText(context.run().path(dir + "/summary.json")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir + "/summary.json", e);
        }
        Map<String, double[]> perBenchmark = new LinkedHashMap<>();
        summary.get("models").get(model).fields().forEachRemaining(b -> perBenchmark.put(b.getKey(),
                new double[] {b.getValue().get("pass@1").asDouble(), b.getValue().get("pass@1_sem").asDouble()}));
        return new Score(perBenchmark);
    }
}
