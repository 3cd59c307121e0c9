package redispark.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code manifest.json} of a run directory, read by other tools:
 * {@code {"stages": {"<stage>": {"status": "running|done|failed", "rows": {"<table>": N}, "rejects": {"<reason>": N},
 * "seconds": S, "config_hash": "…", "inputs": {"<path>": "<fingerprint>"}, "outputs": {"<path>": "<fingerprint>"},
 * "error": "…", "stats": {…}, "notes": ["…"]}}}}.
 * Stages appear in the order they ran. A stage is {@code running} from before it writes anything until it is
 * {@code done} or {@code failed} (with the first line of its error); a {@code running} record left behind is a run
 * that died. {@code outputs} are the fingerprints of what a done stage wrote; {@code stats} (figures a stage reports
 * about its data) and {@code notes} (what it did not do, and why) are present only for stages that have them.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class RunManifest {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Outcome of one stage. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StageRecord(
            @JsonProperty("status") String status,
            @JsonProperty("rows") Map<String, Long> rows,
            @JsonProperty("rejects") Map<String, Long> rejects,
            @JsonProperty("seconds") double seconds,
            @JsonProperty("config_hash") String configHash,
            @JsonProperty("inputs") Map<String, String> inputs,
            @JsonProperty("outputs") Map<String, String> outputs,
            @JsonProperty("error") String error,
            @JsonProperty("stats") Map<String, Object> stats,
            @JsonProperty("notes") List<String> notes) {

        public static StageRecord done(
                Map<String, Long> rows,
                Map<String, Long> rejects,
                double seconds,
                String configHash,
                Map<String, String> inputs) {
            return done(rows, rejects, seconds, configHash, inputs, Map.of(), null, null);
        }

        public static StageRecord done(
                Map<String, Long> rows,
                Map<String, Long> rejects,
                double seconds,
                String configHash,
                Map<String, String> inputs,
                Map<String, String> outputs,
                Map<String, Object> stats,
                List<String> notes) {
            return new StageRecord(
                    "done",
                    rows,
                    rejects,
                    seconds,
                    configHash,
                    inputs,
                    outputs,
                    null,
                    stats == null || stats.isEmpty() ? null : stats,
                    notes == null || notes.isEmpty() ? null : notes);
        }

        /** Recorded before a stage writes: until it is replaced, the stage's outputs are of unknown provenance. */
        public static StageRecord running(String configHash, Map<String, String> inputs) {
            return new StageRecord("running", Map.of(), Map.of(), 0, configHash, inputs, null, null, null, null);
        }

        public static StageRecord failed(String error, double seconds, String configHash, Map<String, String> inputs) {
            return new StageRecord("failed", Map.of(), Map.of(), seconds, configHash, inputs, null, error, null, null);
        }
    }

    @JsonProperty("stages")
    private final LinkedHashMap<String, StageRecord> stages = new LinkedHashMap<>();

    public Map<String, StageRecord> stages() {
        return stages;
    }

    public void put(String stage, StageRecord record) {
        stages.remove(stage);
        stages.put(stage, record);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise manifest", e);
        }
    }

    public static RunManifest fromJson(String json) {
        try {
            return JSON.readValue(json, RunManifest.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("manifest.json is not valid: " + e.getOriginalMessage(), e);
        }
    }
}
