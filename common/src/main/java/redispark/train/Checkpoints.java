package redispark.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import redispark.model.HostStaging;
import redispark.model.Qwen2Model;

/**
 * Checkpoints in the Hugging Face folder layout (config.json, model.safetensors, generation_config.json, tokenizer
 * files), so vLLM and transformers load them as they are, plus what a resume needs: {@code optimizer.safetensors}
 * (AdamW moments and step), {@code trainer_state.json} ({@link TrainerState}: step, epoch, data cursor, seed) and
 * {@code metrics.jsonl} (every step's metrics so far).
 */
public final class Checkpoints {
    /** Files of a model folder that are not weights and travel unchanged from the initial model. */
    public static final List<String> TOKENIZER_FILES = List.of(
            "tokenizer.json",
            "tokenizer_config.json",
            "special_tokens_map.json",
            "generation_config.json",
            "vocab.json",
            "merges.txt");

    public static final String TRAINER_STATE = "trainer_state.json";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String METRICS = "metrics.jsonl";

    private Checkpoints() {}

    /** Writes the model, the tokenizer files of {@code initDir}, the optimizer, the state and the metrics. */
    public static void save(
            Qwen2Model model,
            Path initDir,
            Path outDir,
            TrainerState state,
            AdamW optimizer,
            List<String> metricLines) {
        try (HostStaging staging = new HostStaging(HostStaging.Mode.AUTO, HostStaging.DEFAULT_BUFFER_BYTES)) {
            save(model, initDir, outDir, state, optimizer, metricLines, staging);
        }
    }

    /** {@link #save(Qwen2Model, Path, Path, TrainerState, AdamW, List)}, tensors streamed through {@code staging}. */
    public static void save(
            Qwen2Model model,
            Path initDir,
            Path outDir,
            TrainerState state,
            AdamW optimizer,
            List<String> metricLines,
            HostStaging staging) {
        try {
            saveModel(model, initDir, outDir, staging);
            optimizer.save(outDir.resolve(OPTIMIZER), staging);
            Files.writeString(outDir.resolve(TRAINER_STATE), state.toJson());
            Files.write(outDir.resolve(METRICS), metricLines);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + outDir, e);
        }
    }

    /** Writes a model folder only (weights, config, the tokenizer files of {@code initDir}): what sampling needs. */
    public static void saveModel(Qwen2Model model, Path initDir, Path outDir, HostStaging staging) {
        try {
            Files.createDirectories(outDir);
            model.save(outDir, staging);
            for (String name : TOKENIZER_FILES) {
                Path source = initDir.resolve(name);
                if (Files.isRegularFile(source)) {
                    Files.copy(source, outDir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model folder " + outDir, e);
        }
    }

    /** Whether {@code dir} holds a resumable checkpoint (weights, optimizer and trainer state). */
    public static boolean resumable(Path dir) {
        return Files.isRegularFile(dir.resolve(TRAINER_STATE))
                && Files.isRegularFile(dir.resolve(OPTIMIZER))
                && Files.isRegularFile(dir.resolve("config.json"));
    }

    public static TrainerState state(Path dir) {
        return TrainerState.read(dir.resolve(TRAINER_STATE));
    }

    /** The metric lines stored with a checkpoint (empty when none). */
    public static List<String> metrics(Path dir) {
        try {
            Path file = dir.resolve(METRICS);
            return Files.isRegularFile(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir.resolve(METRICS), e);
        }
    }
}
