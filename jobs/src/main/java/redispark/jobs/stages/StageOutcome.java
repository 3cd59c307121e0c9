package redispark.jobs.stages;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rows written per table and rows rejected per reason by one stage, plus optional {@code stats} about its data and
 * {@code notes} on what it did not do (both recorded in {@code manifest.json}).
 */
public record StageOutcome(
        Map<String, Long> rows, Map<String, Long> rejects, Map<String, Object> stats, List<String> notes) {

    public static StageOutcome of(Map<String, Long> rows, Map<String, Long> rejects) {
        return new StageOutcome(new LinkedHashMap<>(rows), new LinkedHashMap<>(rejects), Map.of(), List.of());
    }

    public StageOutcome withStats(Map<String, Object> newStats, List<String> newNotes) {
        return new StageOutcome(rows, rejects, new LinkedHashMap<>(newStats), List.copyOf(newNotes));
    }
}
