package redispark.jobs.stages;

import java.util.LinkedHashMap;
import java.util.Map;
import redispark.jobs.run.ErrorLine;
import redispark.jobs.run.StageFailure;
import redispark.run.RunManifest;
import redispark.run.RunManifest.StageRecord;

/**
 * Runs one stage, timing it and recording it in {@code manifest.json}: {@code running} before it writes, then
 * {@code done} or {@code failed} (any error, with its first line). A stage whose last run is done, with the same
 * config hash, the same input fingerprints (run-directory tables and the external files its settings name)
 * and its outputs as it left them (same fingerprints), is skipped and says so: reruns of a finished pipeline do no
 * work, and a changed key, external file or output reruns exactly the stages it affects. Leftovers of interrupted
 * writes are removed before a stage starts and when it fails.
 */
public final class StageRunner {
    private StageRunner() {}

    public static StageOutcome run(Stage stage, StageContext context) {
        return run(stage, context, false);
    }

    /** @param force run even when the stage is up to date */
    public static StageOutcome run(Stage stage, StageContext context, boolean force) {
        String hash = stage.settingsHash(context.config());
        Map<String, String> inputs = new LinkedHashMap<>();
        for (String input : stage.inputs()) {
            inputs.put(input, context.run().files().fingerprint(context.run().path(input)));
        }
        for (String external : stage.externalInputs(context.config())) {
            inputs.put(external, context.run().files().fingerprint(external));
        }
        StageRecord previous = context.run().manifest().stages().get(stage.name());
        if (!force && upToDate(previous, hash, inputs, stage, context)) {
            System.out.printf(
                    "[redi] %-10s up to date, skipped (same config and inputs; --force to rerun)%n", stage.name());
            return StageOutcome.of(previous.rows(), previous.rejects())
                    .withStats(
                            previous.stats() == null ? Map.of() : previous.stats(),
                            previous.notes() == null ? java.util.List.of() : previous.notes());
        }
        if (previous != null && "running".equals(previous.status())) {
            System.out.printf("[redi] %-10s its last run stopped before it finished; running it again%n", stage.name());
        }
        java.util.List<String> leftovers = context.run().removeStaging();
        if (!leftovers.isEmpty()) {
            System.out.printf(
                    "[redi] %-10s cleaned %d leftover(s) of interrupted writes%n", stage.name(), leftovers.size());
        }
        long started = System.nanoTime();
        record(context, stage, StageRecord.running(hash, inputs));
        System.out.printf("[redi] %-10s started%n", stage.name());
        StageOutcome outcome;
        try {
            outcome = stage.run(context);
        } catch (Throwable e) { // checked ones too: Spark's Scala code throws SparkException undeclared
            throw failed(stage, context, e, started, hash, inputs);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        try {
            record(
                    context,
                    stage,
                    StageRecord.done(
                            outcome.rows(),
                            outcome.rejects(),
                            round(seconds),
                            hash,
                            inputs,
                            context.run().fingerprints(stage.outputs()),
                            outcome.stats(),
                            outcome.notes()));
        } catch (RuntimeException e) {
            throw failed(stage, context, e, started, hash, inputs);
        }
        outcome.notes().forEach(note -> System.out.printf("[redi] %-10s note: %s%n", stage.name(), note));
        System.out.printf(
                "[redi] %-10s done in %.1f s  rows=%s rejects=%s%n",
                stage.name(), seconds, outcome.rows(), outcome.rejects());
        return outcome;
    }

    /**
     * Records the failure (first line of the error) and removes the staging the stage left; returns what to throw:
     * the error itself when unchecked, else a {@link StageFailure} around it.
     */
    private static RuntimeException failed(
            Stage stage, StageContext context, Throwable e, long started, String hash, Map<String, String> inputs) {
        double seconds = (System.nanoTime() - started) / 1e9;
        try {
            context.run().removeStaging();
        } catch (RuntimeException cleanup) {
            e.addSuppressed(cleanup);
        }
        try {
            record(context, stage, StageRecord.failed(ErrorLine.of(e), round(seconds), hash, inputs));
        } catch (RuntimeException recording) {
            e.addSuppressed(recording);
        }
        if (e instanceof Error error) {
            throw error;
        }
        return e instanceof RuntimeException re ? re : new StageFailure(stage.name(), e);
    }

    /**
     * Done with the same config hash, input fingerprints and output fingerprints: an output rewritten since (a
     * checkpoint another run published, an extra file) makes the stage run again.
     */
    private static boolean upToDate(
            StageRecord previous, String hash, Map<String, String> inputs, Stage stage, StageContext context) {
        if (previous == null
                || !"done".equals(previous.status())
                || !hash.equals(previous.configHash())
                || !inputs.equals(previous.inputs() == null ? Map.of() : previous.inputs())
                || previous.outputs() == null) {
            return false;
        }
        return stage.finished(StageOutcome.of(previous.rows(), previous.rejects()))
                && stage.outputs().stream().allMatch(context.run()::exists)
                && previous.outputs().equals(context.run().fingerprints(stage.outputs()));
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
