package redispark.jobs.stages;

import java.util.List;

/** One step of the pipeline: reads tables of the run directory, writes its own, reports counts. */
public interface Stage {

    /** The CLI verb and manifest key, e.g. {@code generate}. */
    String name();

    /** Config sub-trees whose values decide this stage's output (hashed into the manifest). */
    List<String> configPaths();

    /** Run-directory paths this stage reads; a change in any of them (new files) makes it run again. */
    default List<String> inputs() {
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
