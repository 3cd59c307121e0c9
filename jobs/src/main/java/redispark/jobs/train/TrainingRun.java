package redispark.jobs.train;

import java.util.List;
import java.util.Map;
import redispark.run.RunManifest;
import redispark.train.CollapseAlarm;
import redispark.train.objective.Objective;

/**
 * Where one training run lives in a run directory, by its name (the objective's label, or a run of an experiment):
 * its model {@code checkpoints/<name>}, the models saved along the way {@code checkpoints/<name>.steps/<step>},
 * resumable progress {@code checkpoints/<name>.resume} and step metrics {@code metrics/<name>}.
 */
public final class TrainingRun {
    /** What {@link #snapshotsOf} appends to a model folder's name. */
    public static final String SNAPSHOTS = ".steps";

    /** Key of the collapse alarm's events in the stage's manifest stats. */
    public static final String COLLAPSE_EVENTS = "collapse_events";

    private TrainingRun() {}

    public static String checkpointOf(Objective objective) {
        return checkpointOf(objective.label());
    }

    public static String checkpointOf(String runName) {
        return "checkpoints/" + runName;
    }

    /** The models saved every {@code eval.every} steps, {@code <snapshots>/<step>}, scored for the accuracy curve. */
    public static String snapshotsOf(String runName) {
        return checkpointOf(runName) + SNAPSHOTS;
    }

    public static String resumeOf(String runName) {
        return checkpointOf(runName) + ".resume";
    }

    public static String metricsOf(String runName) {
        return "metrics/" + runName;
    }

    /** The stage (and manifest key) that trains {@code runName}. */
    public static String stageOf(String runName) {
        return "train-" + runName;
    }

    /** The global step of the model the training run {@code runName} ended with, as recorded; -1 when none. */
    public static int modelStep(RunManifest manifest, String runName) {
        RunManifest.StageRecord r = manifest.stages().get(stageOf(runName));
        Long step = r == null || r.rows() == null ? null : r.rows().get("model_step");
        return step == null ? -1 : step.intValue();
    }

    /** The collapse alarm's events of the training run {@code runName} as recorded in the manifest. */
    @SuppressWarnings("unchecked")
    public static List<CollapseAlarm.Event> collapseEvents(RunManifest manifest, String runName) {
        RunManifest.StageRecord r = manifest.stages().get(stageOf(runName));
        if (r == null || r.stats() == null || !(r.stats().get(COLLAPSE_EVENTS) instanceof List<?> events)) {
            return List.of();
        }
        return events.stream()
                .map(e -> CollapseAlarm.Event.fromMap((Map<String, ?>) e))
                .toList();
    }
}
