package redispark.jobs.stages;

import redispark.run.RunManifest;
import redispark.run.RunManifest.StageRecord;

/** Runs one stage, timing it and recording its outcome (or its failure) in {@code manifest.json}. */
public final class StageRunner {
    private StageRunner() {}

    public static StageOutcome run(Stage stage, StageContext context) {
        String hash = context.config().hash(stage.configPaths().toArray(String[]::new));
        long started = System.nanoTime();
        System.out.printf("[redi] %-10s started%n", stage.name());
        try {
            StageOutcome outcome = stage.run(context);
            double seconds = (System.nanoTime() - started) / 1e9;
            record(context, stage, StageRecord.done(outcome.rows(), outcome.rejects(), round(seconds), hash));
            System.out.printf("[redi] %-10s done in %.1f s  rows=%s rejects=%s%n",
                    stage.name(), seconds, outcome.rows(), outcome.rejects());
            return outcome;
        } catch (RuntimeException e) {
            double seconds = (System.nanoTime() - started) / 1e9;
            record(context, stage, StageRecord.failed(String.valueOf(e.getMessage()), round(seconds), hash));
            throw e;
        }
    }

    private static void record(StageContext context, Stage stage, StageRecord record) {
        RunManifest manifest = context.run().manifest();
        manifest.put(stage.name(), record);
        context.run().saveManifest(manifest);
    }

    private static double round(double seconds) {
        return Math.round(seconds * 100) / 100.0;
    }
}
