package redispark.jobs.train;

import redispark.jobs.run.RunDir;
import redispark.jobs.spark.ResumeCheckpoints;
import redispark.train.Checkpoints;
import redispark.train.TrainConfig;
import redispark.train.TrainerState;

/** Whether a training run picks up from its newest resume checkpoint or starts from step 0. */
public final class TrainingResume {
    private TrainingResume() {}

    /**
     * True when resuming is on and the newest resume checkpoint exists, is unfinished and was trained with this
     * recipe and world size; when not, the run starts from step 0 (a failure later in that run resumes from its own
     * checkpoints). Says which on stdout.
     */
    public static boolean resumable(
            boolean resumeEnabled, RunDir run, String runName, TrainConfig config, int workers) {
        String dir = ResumeCheckpoints.newest(run.files(), run.path(TrainingRun.resumeOf(runName)));
        if (!resumeEnabled || dir == null) {
            return false;
        }
        TrainerState state = TrainerState.fromJson(run.files().readText(dir + "/" + Checkpoints.TRAINER_STATE));
        boolean sameWorld = state.worldSize() == workers;
        boolean ok = !state.finished() && config.resumableFrom(state.config()) && sameWorld;
        System.out.println("[redi] " + TrainingRun.stageOf(runName) + ": "
                + (ok
                        ? "resuming from step " + state.globalStep() + " of " + dir
                        : "not resuming from " + dir + " (trained with "
                                + (sameWorld ? "another recipe)" : state.worldSize() + " workers)")));
        return ok;
    }
}
