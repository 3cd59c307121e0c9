package redispark.jobs.stages;

import java.util.LinkedHashMap;
import java.util.Map;
import redispark.run.RunManifest;
import redispark.run.RunManifest.StageRecord;

/**
 * Runs one stage, timing it and recording its outcome (or its failure) in {@code manifest.json}. A stage whose last
 * run is done, with the same config hash, the same input fingerprints (run-directory tables and the external files its
 * settings name) and all its outputs present, is skipped and says so: reruns of a finished
 * pipeline do no work, and a changed key or external file reruns exactly the stages downstream of it.
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
        long started = System.nanoTime();
        System.out.printf("[redi] %-10s started%n", stage.name());
        try {
            StageOutcome outcome = stage.run(context);
            double seconds = (System.nanoTime() - started) / 1e9;
            record(
                    context,
                    stage,
                    StageRecord.done(
                            outcome.rows(),
                            outcome.rejects(),
                            round(seconds),
                            hash,
                            inputs,
                            outcome.stats(),
                            outcome.notes()));
            outcome.notes().forEach(note -> System.out.printf("[redi] %-10s note: %s%n", stage.name(), note));
            System.out.printf(
                    "[redi] %-10s done in %.1f s  rows=%s rejects=%s%n",
                    stage.name(), seconds, outcome.rows(), outcome.rejects());
            return outcome;
        } catch (RuntimeException e) {
            double seconds = (System.nanoTime() - started) / 1e9;
            record(context, stage, StageRecord.failed(String.valueOf(e.getMessage()), round(seconds), hash, inputs));
            throw e;
        }
    }

    private static boolean upToDate(
            StageRecord previous, String hash, Map<String, String> inputs, Stage stage, StageContext context) {
        if (previous == null
                || !"done".equals(previous.status())
                || !hash.equals(previous.configHash())
                || !inputs.equals(previous.inputs() == null ? Map.of() : previous.inputs())) {
            return false;
        }
        return stage.finished(StageOutcome.of(previous.rows(), previous.rejects()))
                && stage.outputs().stream().allMatch(context.run()::exists);
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
