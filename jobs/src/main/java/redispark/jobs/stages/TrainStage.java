package redispark.jobs.stages;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import redispark.jobs.config.ConfigError;
import redispark.jobs.config.RediConfig;
import redispark.jobs.run.HadoopFiles;
import redispark.jobs.run.RunDir;
import redispark.jobs.spark.BarrierTraining;
import redispark.jobs.spark.DataParallelTraining;
import redispark.jobs.spark.ResumeCheckpoints;
import redispark.jobs.spark.SparkSchemas;
import redispark.run.RunManifest;
import redispark.train.Checkpoints;
import redispark.train.CollapseAlarm;
import redispark.train.TrainConfig;
import redispark.train.TrainerState;
import redispark.train.objective.Objective;

/**
 * {@code redi train-sft} (stage 1: SFT from the base student on the selected positives) and {@code redi train-redi
 * --objective redi|redi-unpaired|dpo|simpo} (stage 2 from the SFT checkpoint: REDI on pairs, REDI on all positives
 * and negatives, or the DPO / SimPO baselines). Training runs inside a Spark barrier stage, one replica per task;
 * rank 0 publishes resumable progress to {@code checkpoints/<objective>.resume}; the step metrics go to
 * {@code metrics/<objective>} (Parquet, long form) and {@code metrics/<objective>.jsonl}, then the model to
 * {@code checkpoints/<objective>}. DPO first makes sure the reference log-probs exist
 * ({@link RefLogProbsJob}).
 */
public final class TrainStage implements Stage {
    /** Key of the collapse alarm's events in the stage's manifest stats. */
    public static final String COLLAPSE_EVENTS = "collapse_events";

    private final Objective objective;
    /** Names the stage, its checkpoint and its metrics: the objective's label, or a run of an experiment. */
    private final String runName;

    public TrainStage(Objective objective) {
        this(objective, objective.label());
    }

    /**
     * A stage-2 run under its own name ({@code checkpoints/<runName>}, {@code metrics/<runName>}), so several runs of
     * one objective (other learning rates, α, seeds — {@code redi experiment}) live side by side in one run directory.
     * The settings still come from {@code train.<objective>}.
     */
    public TrainStage(Objective objective, String runName) {
        if (!runName.matches("[A-Za-z0-9._@-]+")) {
            throw new IllegalArgumentException("training run name '" + runName + "': use letters, digits, . _ - @");
        }
        this.objective = objective;
        this.runName = runName;
    }

    public static String checkpointOf(Objective objective) {
        return checkpointOf(objective.label());
    }

    public static String checkpointOf(String runName) {
        return "checkpoints/" + runName;
    }

    /**
     * The model every {@code eval.every} steps of a run, {@code <snapshots>/<step>}, which {@code redi eval} scores
     * for the accuracy curve.
     */
    public static String snapshotsOf(String runName) {
        return checkpointOf(runName) + SNAPSHOTS;
    }

    /** What {@link #snapshotsOf} appends to a model folder's name. */
    static final String SNAPSHOTS = ".steps";

    /** The global step of the model the training run {@code runName} ended with, as recorded; -1 when none. */
    public static int modelStep(RunManifest manifest, String runName) {
        RunManifest.StageRecord r = manifest.stages().get("train-" + runName);
        Long step = r == null || r.rows() == null ? null : r.rows().get("model_step");
        return step == null ? -1 : step.intValue();
    }

    /** The collapse alarm's events of the training run {@code runName} as recorded in the manifest. */
    public static List<CollapseAlarm.Event> collapseEvents(RunManifest manifest, String runName) {
        RunManifest.StageRecord r = manifest.stages().get("train-" + runName);
        if (r == null || r.stats() == null || !(r.stats().get(COLLAPSE_EVENTS) instanceof List<?> events)) {
            return List.of();
        }
        return events.stream()
                .map(e -> CollapseAlarm.Event.fromMap((Map<String, ?>) e))
                .toList();
    }

    public static String metricsOf(String runName) {
        return "metrics/" + runName;
    }

    private String resumeDir() {
        return checkpointOf(runName) + ".resume";
    }

    @Override
    public String name() {
        return "train-" + runName;
    }

    @Override
    public List<String> configPaths() {
        // Upstream changes arrive through the input fingerprints; these are the keys training itself reads.
        return List.of(
                "train.workers",
                "train.max-seq-len",
                "train.preset",
                "train.max-steps",
                "train.collapse",
                "train.dtype",
                "train." + objective.label(),
                "student",
                "eval.every");
    }

    /** The tables trained on and the starting model: a change in any of them makes the stage run again. */
    @Override
    public List<String> inputs() {
        String init = objective == Objective.SFT ? StudentBase.DIR : checkpointOf(Objective.SFT);
        return switch (objective.data()) {
            case EXAMPLES -> List.of("positives", init);
            case PAIRS -> List.of("pairs", init);
            case UNPAIRED -> List.of("positives", "negatives", init);
        };
    }

    @Override
    public List<String> outputs() {
        return List.of(checkpointOf(runName), metricsOf(runName));
    }

    @Override
    public StageOutcome run(StageContext context) {
        RediConfig config = context.config();
        RunDir run = context.run();
        TrainConfig trainConfig = TrainSettings.resolve(config, objective);
        BarrierTraining.Ring ring = TrainSettings.ring(config);
        int workers = ring.workers();
        Map<String, Long> rows = new LinkedHashMap<>();
        String initUri = objective == Objective.SFT ? StudentBase.ensure(context) : sftCheckpoint(run);
        Dataset<Row> examples = examples(context, initUri, rows);
        HadoopFiles files = run.files();
        String resumeUri = run.path(resumeDir());
        if (!resumable(config, run, trainConfig, workers)) {
            ResumeCheckpoints.clear(files, resumeUri);
            files.delete(run.path(snapshotsOf(runName))); // a run from step 0 writes its own
        }
        int snapshotEvery = config.getInt("eval.every");
        if (snapshotEvery < 0) {
            throw new ConfigError("eval.every must be >= 0, got " + snapshotEvery);
        }
        DataParallelTraining.Result result = DataParallelTraining.train(new DataParallelTraining.Request(
                examples,
                initUri,
                trainConfig,
                ring,
                files,
                run.path(checkpointOf(runName)),
                resumeUri,
                config.raw().getBoolean("train.progress"),
                config.getInt("train.dist.max-retries"),
                run.path(snapshotsOf(runName)),
                snapshotEvery));
        Map<String, Object> summary = result.summary();
        List<String> metricLines = result.metricLines();
        long metricRowCount = run.writeTable(
                context.spark().createDataFrame(metricRows(metricLines), SparkSchemas.METRIC), metricsOf(runName));
        files.writeText(run.path(metricsOf(runName) + ".jsonl"), String.join("\n", metricLines) + "\n");
        rows.put("examples", result.items());
        rows.put("steps", ((Number) summary.get("steps")).longValue());
        rows.put("model_step", ((Number) summary.get("model_step")).longValue());
        rows.put("resumed_from", ((Number) summary.get("resumed_from")).longValue());
        rows.put(metricsOf(runName), metricRowCount);
        if (workers > 1) { // evidence that the replicas stayed identical: every rank's weight hash per checkpoint
            files.writeText(run.path(metricsOf(runName) + ".replicas.json"), Json.write(summary.get("replica_hashes")));
            double comm = 0;
            double total = 0;
            for (String line : metricLines) {
                Map<String, Double> m = Json.readDoubles(line);
                comm += m.getOrDefault("comm_time", 0.0);
                total += m.get("step_time");
            }
            System.out.printf(
                    java.util.Locale.ROOT,
                    "[redi] %s: %d ranks, gradient all-reduce %.1f%% of step time " + "(%.2f s of %.2f s, rank 0)%n",
                    name(),
                    workers,
                    100 * comm / total,
                    comm,
                    total);
        }
        result.model().publish(); // after its metrics: a published model always has its records
        List<?> warnings = (List<?>) summary.get("warnings");
        warnings.forEach(w -> System.out.println("[redi] WARNING " + w));
        if (!"finished".equals(summary.get("stop_reason"))) {
            System.out.println("[redi] " + name() + " stopped early (" + summary.get("stop_reason") + "); "
                    + checkpointOf(runName) + " holds step " + summary.get("model_step"));
        }
        List<CollapseAlarm.Event> events =
                CollapseAlarm.events(metricLines.stream().map(Json::readDoubles).toList(), trainConfig.collapse());
        events.forEach(e -> System.out.println("[redi] " + name() + ": " + e.describe()));
        StageOutcome outcome = StageOutcome.of(rows, result.rejects());
        return events.isEmpty()
                ? outcome
                : outcome.withStats(
                        Map.of(
                                COLLAPSE_EVENTS,
                                events.stream().map(CollapseAlarm.Event::toMap).toList()),
                        List.of());
    }

    private static String sftCheckpoint(RunDir run) {
        String sft = checkpointOf(Objective.SFT);
        if (!run.exists(sft)) {
            throw new IllegalArgumentException(
                    "no SFT checkpoint at " + run.path(sft) + " (run 'redi train-sft' first)");
        }
        return run.path(sft);
    }

    /**
     * The objective's rows in one shape: id, prompt, first completion, second completion (pairs), reference sums
     * (DPO), negative flag (unpaired).
     */
    private Dataset<Row> examples(StageContext context, String initUri, Map<String, Long> rows) {
        RunDir run = context.run();
        var noRef = lit(null).cast(DataTypes.DoubleType);
        var noText = lit(null).cast(DataTypes.StringType);
        return switch (objective) {
            case SFT ->
                run.readTable(context.spark(), "positives", "split")
                        .filter(col("selected"))
                        .select(
                                concat_ws("#", col("problem_id"), col("sample_idx"))
                                        .as("id"),
                                col("prompt"),
                                col("completion").as("first"),
                                noText.as("second"),
                                noRef.as("ref_chosen"),
                                noRef.as("ref_rejected"),
                                lit(false).as("negative"));
            case REDI, SIMPO -> pairs(run.readTable(context.spark(), "pairs", "split"), noRef, noRef);
            case DPO -> {
                RefLogProbsJob.Table ref = RefLogProbsJob.ensure(context, initUri);
                rows.put(ref.name(), ref.rows());
                rows.put("ref_logps_computed", ref.computed() ? ref.rows() : 0L);
                Dataset<Row> joined = run.readTable(context.spark(), "pairs", "split")
                        .join(
                                run.readTable(context.spark(), ref.name(), "train-redi --objective dpo"),
                                RefLogProbsJob.KEY.toArray(String[]::new),
                                "left");
                yield pairs(joined, col("ref_chosen_logps"), col("ref_rejected_logps"));
            }
            case REDI_UNPAIRED -> {
                Dataset<Row> pos =
                        run.readTable(context.spark(), "positives", "split").withColumn("negative", lit(false));
                Dataset<Row> neg =
                        run.readTable(context.spark(), "negatives", "split").withColumn("negative", lit(true));
                yield pos.select("problem_id", "sample_idx", "prompt", "completion", "negative")
                        .unionByName(neg.select("problem_id", "sample_idx", "prompt", "completion", "negative"))
                        .select(
                                concat_ws("#", col("problem_id"), col("sample_idx"))
                                        .as("id"),
                                col("prompt"),
                                col("completion").as("first"),
                                noText.as("second"),
                                noRef.as("ref_chosen"),
                                noRef.as("ref_rejected"),
                                col("negative"));
            }
        };
    }

    private static Dataset<Row> pairs(
            Dataset<Row> pairs, org.apache.spark.sql.Column refChosen, org.apache.spark.sql.Column refRejected) {
        return pairs.select(
                concat_ws("#", col("problem_id"), col("chosen_idx"), col("rejected_idx"))
                        .as("id"),
                col("prompt"),
                col("chosen").as("first"),
                col("rejected").as("second"),
                refChosen.as("ref_chosen"),
                refRejected.as("ref_rejected"),
                lit(false).as("negative"));
    }

    /**
     * Whether the newest resume checkpoint exists, is unfinished and was trained with this recipe and world size;
     * when not, the stage starts from step 0 (and a failure later in this run resumes from its own checkpoints).
     */
    private boolean resumable(RediConfig rediConfig, RunDir run, TrainConfig config, int workers) {
        String dir = ResumeCheckpoints.newest(run.files(), run.path(resumeDir()));
        if (!rediConfig.raw().getBoolean("train.resume") || dir == null) {
            return false;
        }
        TrainerState state = TrainerState.fromJson(run.files().readText(dir + "/" + Checkpoints.TRAINER_STATE));
        boolean sameWorld = state.worldSize() == workers;
        boolean ok = !state.finished() && config.resumableFrom(state.config()) && sameWorld;
        System.out.println("[redi] " + name() + ": "
                + (ok
                        ? "resuming from step " + state.globalStep() + " of " + dir
                        : "not resuming from " + dir + " (trained with "
                                + (sameWorld ? "another recipe)" : state.worldSize() + " workers)")));
        return ok;
    }

    /** Step metrics in long form, (step, name, value): one row per metric per step. */
    private static List<Row> metricRows(List<String> jsonLines) {
        List<Row> rows = new ArrayList<>();
        for (String line : jsonLines) {
            Map<String, Double> metrics = Json.readDoubles(line);
            int step = metrics.get("global_step").intValue();
            metrics.forEach((name, value) -> rows.add(RowFactory.create(step, name, value)));
        }
        return rows;
    }
}
