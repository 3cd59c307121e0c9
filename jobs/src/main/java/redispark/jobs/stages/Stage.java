package redispark.jobs.stages;

import java.util.List;

/** One step of the pipeline: reads tables of the run directory, writes its own, reports counts. */
public interface Stage {

    /** The CLI verb and manifest key, e.g. {@code generate}. */
    String name();

    /** Config sub-trees whose values decide this stage's output (hashed into the manifest). */
    List<String> configPaths();

    StageOutcome run(StageContext context);
}
