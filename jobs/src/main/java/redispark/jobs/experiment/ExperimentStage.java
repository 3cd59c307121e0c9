package redispark.jobs.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import redispark.jobs.config.ConfigError;
import redispark.jobs.config.RediConfig;
import redispark.jobs.eval.EvalSummary;
import redispark.jobs.stages.EvalStage;
import redispark.jobs.stages.Stage;
import redispark.jobs.stages.StageContext;
import redispark.jobs.stages.StageOutcome;
import redispark.jobs.stages.StageRunner;
import redispark.jobs.stages.TrainStage;
import redispark.jobs.table.PairsTable;
import redispark.jobs.table.ProblemsTable;
import redispark.jobs.train.TrainingRun;
import redispark.train.CollapseAlarm;
import redispark.train.TrainConfig;
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
        return List.of(ProblemsTable.NAME, PairsTable.NAME, TrainingRun.checkpointOf(Objective.SFT));
    }

    @Override
    public List<String> outputs() {
        return List.of(ExperimentReport.DIR + "/results.json", ExperimentReport.DIR + "/index.html");
    }

    /**
     * What {@code experiment.*} asks for, validated.
     *
     * @param seedsAtBest the seeds after the first run only at each method's best factor on the first seed
     *     ({@code seeds-at = best-lr}); otherwise at every factor
     */
    record Plan(
            List<Method> methods,
            List<Double> lrFactors,
            List<Long> seeds,
            List<Double> curvePoints,
            boolean seedsAtBest,
            double plateauMaxRise,
            boolean requirePlateau) {
        static Plan of(RediConfig config) {
            List<Method> methods = config.getStringList("experiment.methods").stream()
                    .map(Method::parse)
                    .toList();
            List<Double> factors = config.raw().getDoubleList("experiment.lr-factors");
            List<Long> seeds = config.raw().getLongList("experiment.seeds");
            List<Double> points = config.raw().getDoubleList("experiment.curve-points");
            if (methods.isEmpty() || factors.isEmpty() || seeds.isEmpty()) {
                throw new ConfigError("experiment: methods, lr-factors and seeds must not be empty");
            }
            if (factors.stream().anyMatch(f -> !(f > 0))) {
                throw new ConfigError("experiment.lr-factors must be > 0, got " + factors);
            }
            if (points.stream().anyMatch(p -> !(p > 0 && p < 1))) {
                throw new ConfigError("experiment.curve-points must be in (0, 1), got " + points);
            }
            if (seeds.stream().distinct().count() != seeds.size()) {
                throw new ConfigError("experiment.seeds has duplicates: " + seeds);
            }
            String seedsAt = config.getString("experiment.seeds-at");
            if (!seedsAt.equals("every-lr") && !seedsAt.equals("best-lr")) {
                throw new ConfigError("experiment.seeds-at must be every-lr or best-lr, got '" + seedsAt + "'");
            }
            return new Plan(
                    methods,
                    factors,
                    seeds,
                    points,
                    seedsAt.equals("best-lr"),
                    config.getDouble("experiment.plateau.max-rise"),
                    config.raw().getBoolean("experiment.plateau.require"));
        }

        int runs() {
            int later = seedsAtBest ? 1 : lrFactors.size();
            return methods.size() * (lrFactors.size() + later * (seeds.size() - 1));
        }

        /**
         * The factor each method runs its later seeds at: with {@code best-lr}, the one with the highest score on
         * the first seed (the first listed on a tie); with {@code every-lr}, all of them.
         */
        List<Double> laterFactors(Method method, List<Result> firstSeed) {
            if (!seedsAtBest) {
                return lrFactors;
            }
            Result best = null;
            for (Result r : firstSeed) {
                if (r.arm().method() == method
                        && (best == null || r.score().first() > best.score().first())) {
                    best = r;
                }
            }
            return best == null ? List.of() : List.of(best.arm().lrFactor());
        }
    }

    /**
     * One evaluated model: pass@1 and its standard error per benchmark, and the same for the models its training
     * saved along the way (step → benchmark → [pass@1, SEM]; empty when none).
     */
    record Score(Map<String, double[]> perBenchmark, Map<Integer, Map<String, double[]>> checkpoints) {
        /** pass@1 on the first benchmark: what the experiment compares. */
        double first() {
            return perBenchmark.values().iterator().next()[0];
        }
    }

    /**
     * One finished run: its steps, final score, (first seed) scores part-way: step → score, and the collapse
     * alarm's events.
     */
    record Result(Arm arm, long steps, Score score, Map<Integer, Score> curve, List<CollapseAlarm.Event> collapses) {}

    @Override
    public StageOutcome run(StageContext context) {
        RediConfig config = context.config();
        Plan plan = Plan.of(config);
        if (!context.run().exists(TrainingRun.checkpointOf(Objective.SFT))) {
            throw new IllegalArgumentException("no SFT checkpoint in "
                    + context.run().root() + " (run 'redi train-sft' first, or 'redi experiment' which runs it)");
        }
        Score start = evaluate(context, "sft", TrainingRun.checkpointOf(Objective.SFT));
        Plateau plateau = plateau(context, plan, start);
        System.out.println("[redi] experiment " + plateau.describe());
        if (!plateau.flat() && plan.requirePlateau()) {
            throw new ConfigError("experiment: " + plateau.describe()
                    + " (or set experiment.plateau.require=false to compare from it anyway)");
        }
        List<Result> results = new ArrayList<>();
        int[] done = {0};
        long firstSeed = plan.seeds().get(0);
        for (Method method : plan.methods()) {
            for (double factor : plan.lrFactors()) {
                results.add(runArm(context, plan, new Arm(method, factor, firstSeed, 0), ++done[0]));
            }
        }
        List<Result> firstSeedResults = List.copyOf(results);
        for (Method method : plan.methods()) {
            for (double factor : plan.laterFactors(method, firstSeedResults)) {
                for (long seed : plan.seeds().subList(1, plan.seeds().size())) {
                    results.add(runArm(context, plan, new Arm(method, factor, seed, 0), ++done[0]));
                }
            }
        }
        ExperimentReport.Summary summary = ExperimentReport.write(context, plan, start, plateau, results);
        Map<String, Long> rows = new LinkedHashMap<>();
        rows.put("runs", (long) results.size());
        rows.put(
                "evaluations",
                1L
                        + results.size()
                        + results.stream().mapToLong(r -> r.curve().size()).sum());
        System.out.println("[redi] experiment results (" + summary.benchmark() + ", pass@1 mean ± SEM over seeds):");
        System.out.print(summary.markdown());
        return StageOutcome.of(rows, Map.of());
    }

    /** Trains and evaluates one arm (the first seed's also part-way), each step skipped when already done. */
    private static Result runArm(StageContext context, Plan plan, Arm arm, int number) {
        System.out.printf("[redi] experiment run %d/%d: %s%n", number, plan.runs(), arm.name());
        UnaryOperator<TrainConfig> armSettings =
                c -> c.withRecipe(arm.method().recipe(c.recipe(), arm.lrFactor(), arm.seed()));
        long steps = train(context, arm, armSettings);
        Score score = evaluate(context, arm.name(), TrainingRun.checkpointOf(arm.name()));
        Map<Integer, Score> curve = new LinkedHashMap<>();
        if (arm.seed() == plan.seeds().get(0)) {
            for (double point : plan.curvePoints()) {
                int step = (int) Math.round(point * steps);
                if (step < 1 || step >= steps || curve.containsKey(step)) {
                    continue;
                }
                Arm partial = arm.atStep(step);
                train(context, partial, c -> armSettings.apply(c).withMaxSteps(step));
                // only the model at that step is kept; its resumable state is not needed again
                context.run().files().delete(context.run().path(TrainingRun.checkpointOf(partial.name()) + ".resume"));
                curve.put(step, evaluate(context, partial.name(), TrainingRun.checkpointOf(partial.name())));
            }
        }
        return new Result(
                arm,
                steps,
                score,
                curve,
                TrainingRun.collapseEvents(context.run().manifest(), arm.name()));
    }

    /** The plateau check on the SFT start's checkpoints (first benchmark) and its final model. */
    private static Plateau plateau(StageContext context, Plan plan, Score start) {
        int steps = TrainingRun.modelStep(context.run().manifest(), Objective.SFT.label());
        java.util.SortedMap<Integer, Double> curve = new java.util.TreeMap<>();
        String benchmark = start.perBenchmark().keySet().iterator().next();
        start.checkpoints()
                .forEach((step, perBenchmark) -> curve.put(step, perBenchmark.get(benchmark)[0]));
        curve.put(steps, start.first());
        return Plateau.of(curve, steps, plan.plateauMaxRise());
    }

    /** Trains one run (skipped when already done with the same settings) and returns its model's global step. */
    private static long train(StageContext context, Arm arm, UnaryOperator<TrainConfig> settings) {
        StageOutcome outcome = StageRunner.run(new TrainStage(arm.method().objective(), arm.name(), settings), context);
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
        Map<Integer, Map<String, double[]>> checkpoints = new java.util.TreeMap<>();
        summary.path(EvalSummary.CHECKPOINTS)
                .path(model)
                .fields()
                .forEachRemaining(step -> checkpoints.put(Integer.parseInt(step.getKey()), scores(step.getValue())));
        return new Score(scores(summary.get("models").get(model)), checkpoints);
    }

    /** benchmark → [pass@1, SEM] of one model in an eval summary. */
    private static Map<String, double[]> scores(JsonNode perBenchmark) {
        Map<String, double[]> out = new LinkedHashMap<>();
        perBenchmark
                .fields()
                .forEachRemaining(b -> out.put(b.getKey(), new double[] {
                    b.getValue().get("pass@1").asDouble(),
                    b.getValue().get("pass@1_sem").asDouble()
                }));
        return out;
    }
}
