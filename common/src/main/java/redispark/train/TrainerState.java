package redispark.train;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code trainer_state.json} of a checkpoint: where the run stands, so a resume continues exactly there.
 *
 * @param globalStep optimizer steps done
 * @param totalSteps steps of the whole schedule
 * @param stepsPerEpoch steps per epoch (per rank)
 * @param epoch progress in epochs (fractional, TRL's {@code epoch})
 * @param cursorEpoch the data cursor: epoch of the next step
 * @param cursorStep the data cursor: index of the next step's batch within that epoch's order
 * @param dataSeed seed of the data order (epoch e shuffles with {@code Random(dataSeed·1000003 + e)}); the model has
 *     no dropout, so it is the only random state
 * @param dataFingerprint hash of the training items (ids and tokens): resuming on other data is an error
 * @param numTokens tokens trained on so far (TRL's cumulative {@code num_tokens})
 * @param worldSize data-parallel workers
 * @param finished whether the schedule ran to its end
 * @param stopReason finished, max_steps or collapse
 * @param warnings collapse-alarm messages so far
 * @param rejects items refused before training, by reason
 * @param config the resolved training config
 * @param replicaHashes weight hash of every rank when the checkpoint was written, in rank order (all equal: the
 *     run checks it); empty for a single worker
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TrainerState(
        @JsonProperty("global_step") int globalStep,
        @JsonProperty("total_steps") int totalSteps,
        @JsonProperty("steps_per_epoch") int stepsPerEpoch,
        @JsonProperty("epoch") double epoch,
        @JsonProperty("cursor_epoch") int cursorEpoch,
        @JsonProperty("cursor_step") int cursorStep,
        @JsonProperty("data_seed") long dataSeed,
        @JsonProperty("data_fingerprint") String dataFingerprint,
        @JsonProperty("num_tokens") long numTokens,
        @JsonProperty("world_size") int worldSize,
        @JsonProperty("finished") boolean finished,
        @JsonProperty("stop_reason") String stopReason,
        @JsonProperty("warnings") List<String> warnings,
        @JsonProperty("rejects") Map<String, Long> rejects,
        @JsonProperty("config") TrainConfig config,
        @JsonProperty("replica_hashes") List<String> replicaHashes) {

    public TrainerState {
        replicaHashes = replicaHashes == null ? List.of() : List.copyOf(replicaHashes);
    }

    /** A state without replica hashes (a single worker). */
    public TrainerState(
            int globalStep,
            int totalSteps,
            int stepsPerEpoch,
            double epoch,
            int cursorEpoch,
            int cursorStep,
            long dataSeed,
            String dataFingerprint,
            long numTokens,
            int worldSize,
            boolean finished,
            String stopReason,
            List<String> warnings,
            Map<String, Long> rejects,
            TrainConfig config) {
        this(
                globalStep,
                totalSteps,
                stepsPerEpoch,
                epoch,
                cursorEpoch,
                cursorStep,
                dataSeed,
                dataFingerprint,
                numTokens,
                worldSize,
                finished,
                stopReason,
                warnings,
                rejects,
                config,
                List.of());
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise the trainer state", e);
        }
    }

    public static TrainerState read(Path file) {
        try {
            return fromJson(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read trainer state " + file, e);
        }
    }

    public static TrainerState fromJson(String json) {
        try {
            return JSON.readValue(json, TrainerState.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a trainer state: " + e.getMessage(), e);
        }
    }
}
