package redispark.jobs.stages;

import java.util.List;
import redispark.jobs.config.RediConfig;

/** One step of the pipeline: reads tables of the run directory, writes its own, reports counts. */
public interface Stage {

    /** The CLI verb and manifest key, e.g. {@code generate}. */
    String name();

    /** Config sub-trees whose values decide this stage's output (hashed into the manifest). */
    List<String> configPaths();

    /**
     * The stage's rerun key: a hash of what decides its output. By default the values under {@link #configPaths};
     * a stage whose settings are more than its config (a training run of an experiment) hashes its parsed record.
     */
    default String settingsHash(RediConfig config) {
        return config.hash(configPaths().toArray(String[]::new));
    }

    /** Run-directory paths this stage reads; a change in any of them (new files) makes it run again. */
    default List<String> inputs() {
        return List.of();
    }

    /**
     * Files outside the run directory this stage reads, as its settings name them (a problem table, an import, a
     * teacher's model, benchmark files, a base model folder): fingerprinted next to {@link #inputs}, so editing one
     * reruns the stage. A path that cannot be resolved is left out; the stage then fails with its own error.
     */
    default List<String> externalInputs(RediConfig config) {
        return List.of();
    }

    /** Run-directory paths this stage writes; when one is missing the stage runs again. */
    default List<String> outputs() {
        return List.of();
    }

    /** Whether a done run of this stage left nothing to retry (e.g. no failed teacher requests). */
    default boolean finished(StageOutcome previous) {
        return true;
    }

    StageOutcome run(StageContext context);
}
