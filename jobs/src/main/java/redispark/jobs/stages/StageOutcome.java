package redispark.jobs.stages;

import java.util.LinkedHashMap;
import java.util.Map;

/** Rows written per table and rows rejected per reason by one stage. */
public record StageOutcome(Map<String, Long> rows, Map<String, Long> rejects) {

    public static StageOutcome of(Map<String, Long> rows, Map<String, Long> rejects) {
        return new StageOutcome(new LinkedHashMap<>(rows), new LinkedHashMap<>(rejects));
    }
}
