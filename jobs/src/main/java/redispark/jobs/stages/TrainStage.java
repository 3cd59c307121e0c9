package redispark.jobs.stages;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import redispark.jobs.config.RediConfig;
import redispark.jobs.run.Hashes;
import redispark.jobs.run.Json;
import redispark.jobs.run.RunDir;
import redispark.jobs.spark.BarrierTraining;
import redispark.jobs.spark.DataParallelTraining;
import redispark.jobs.spark.ResumeCheckpoints;
import redispark.jobs.table.NegativesTable;
import redispark.jobs.table.PairsTable;
import redispark.jobs.table.PositivesTable;
import redispark.jobs.train.TrainSettings;
import redispark.jobs.train.TrainingExamples;
import redispark.jobs.train.TrainingMetrics;
import redispark.jobs.train.TrainingResume;
import redispark.jobs.train.TrainingRun;
import redispark.train.CollapseAlarm;
import redispark.train.TrainConfig;
import redispark.train.objective.Objective;

/**
 * {@code redi train-sft} (stage 1: SFT from the base student on the selected positives) and {@code redi train-redi
 * --objective redi|redi-unpaired|dpo|simpo} (stage 2 from the SFT checkpoint: REDI on pairs, REDI on all positives
 * and negatives, or the DPO / SimPO baselines). Training runs inside a Spark barrier stage, one replica per task;
 * rank 0 publishes the model, resumable progress and the step metrics where {@link TrainingRun} says.
 */
public final class TrainStage implements Stage {
    private final Objective objective;
    /** Names the stage, checkpoint and metrics: the objective's label, or an experiment's run. */
    private final String runName;
    /** What this run changes in the configured settings (an experiment's arm: its α, learning rate, seed). */
    private final UnaryOperator<TrainConfig> adjust;

    public TrainStage(Objective objective) {
        this(objective, objective.label(), UnaryOperator.identity());
    }

    /**
     * A stage-2 run under its own name, so runs of one objective (other α, rates, seeds: {@code redi experiment})
     * live side by side in one run directory; settings from {@code train.<objective>}, then {@code adjust}.
     */
    public TrainStage(Objective objective, String runName, UnaryOperator<TrainConfig> adjust) {
        if (!runName.matches("[A-Za-z0-9._@-]+")) {
            throw new IllegalArgumentException("training run name '" + runName + "': use letters, digits, . _ - @");
        }
        this.objective = objective;
        this.runName = runName;
        this.adjust = adjust;
    }

    /** The training settings of this run: its record, which the rerun key hashes. */
    public TrainConfig settings(RediConfig config) {
        return adjust.apply(TrainSettings.resolve(config, objective));
    }

    @Override
    public String name() {
        return TrainingRun.stageOf(runName);
    }

    @Override
    public List<String> configPaths() {
        return TrainSettings.configPaths(objective);
    }

    @Override
    public String settingsHash(RediConfig config) {
        return config.hash(configPaths().toArray(String[]::new)) + "+"
                + Hashes.sha256(settings(config).toString());
    }

    /** The tables trained on and the starting model: a change in any of them makes the stage run again. */
    @Override
    public List<String> inputs() {
        String init = objective == Objective.SFT ? StudentBase.DIR : TrainingRun.checkpointOf(Objective.SFT);
        return switch (objective.data()) {
            case EXAMPLES -> List.of(PositivesTable.NAME, init);
            case PAIRS -> List.of(PairsTable.NAME, init);
            case UNPAIRED -> List.of(PositivesTable.NAME, NegativesTable.NAME, init);
        };
    }

    @Override
    public List<String> outputs() {
        return List.of(TrainingRun.checkpointOf(runName), TrainingRun.metricsOf(runName));
    }

    @Override
    public StageOutcome run(StageContext context) {
        RediConfig config = context.config();
        RunDir run = context.run();
        TrainConfig trainConfig = settings(config);
        BarrierTraining.Ring ring = TrainSettings.ring(config);
        int snapshotEvery = TrainSettings.snapshotEvery(config);
        Map<String, Long> rows = new LinkedHashMap<>();
        String initUri = objective == Objective.SFT ? StudentBase.ensure(context) : TrainingRun.requireSft(run);
        String resumeUri = run.path(TrainingRun.resumeOf(runName));
        if (!TrainingResume.resumable(
                config.raw().getBoolean("train.resume"), run, runName, trainConfig, ring.workers())) {
            ResumeCheckpoints.clear(run.files(), resumeUri);
            run.files().delete(run.path(TrainingRun.snapshotsOf(runName))); // a run from step 0 writes its own
        }
        DataParallelTraining.Result result = DataParallelTraining.train(new DataParallelTraining.Request(
                TrainingExamples.of(context.spark(), run, config, objective, initUri, rows),
                initUri,
                trainConfig,
                ring,
                run.files(),
                run.path(TrainingRun.checkpointOf(runName)),
                resumeUri,
                config.raw().getBoolean("train.progress"),
                config.getInt("train.dist.max-retries"),
                run.path(TrainingRun.snapshotsOf(runName)),
                snapshotEvery));
        DataParallelTraining.Summary summary = result.summary();
        TrainingMetrics metrics = TrainingMetrics.of(result.metricLines());
        rows.put("examples", result.items());
        rows.put("steps", (long) summary.steps());
        rows.put("model_step", (long) summary.modelStep());
        rows.put("resumed_from", (long) summary.resumedFrom());
        rows.put(TrainingRun.metricsOf(runName), metrics.write(context.spark(), run, runName));
        if (ring.workers() > 1) { // evidence that the replicas stayed identical: every rank's weight hash
            String replicas = run.path(TrainingRun.metricsOf(runName) + ".replicas.json");
            run.files().writeText(replicas, Json.write(summary.replicaHashes()));
            System.out.println(metrics.communicationShare(name(), ring.workers()));
        }
        result.model().publish(); // after its metrics: a published model always has its records
        summary.warnings().forEach(w -> System.out.println("[redi] WARNING " + w));
        if (!"finished".equals(summary.stopReason())) {
            System.out.println("[redi] " + name() + " stopped early (" + summary.stopReason() + "); "
                    + TrainingRun.checkpointOf(runName) + " holds step " + summary.modelStep());
        }
        List<CollapseAlarm.Event> events = CollapseAlarm.events(metrics.steps(), trainConfig.collapse());
        events.forEach(e -> System.out.println("[redi] " + name() + ": " + e.describe()));
        StageOutcome outcome = StageOutcome.of(rows, result.rejects());
        return events.isEmpty()
                ? outcome
                : outcome.withStats(
                        Map.of(
                                TrainingRun.COLLAPSE_EVENTS,
                                events.stream().map(CollapseAlarm.Event::toMap).toList()),
                        List.of());
    }
}
