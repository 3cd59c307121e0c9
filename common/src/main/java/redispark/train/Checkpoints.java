package redispark.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import redispark.model.Qwen2Model;

/**
 * Checkpoints in the Hugging Face folder layout (config.json, model.safetensors, tokenizer files), so vLLM and
 * transformers load them as they are, plus {@code trainer_state.json} and the step metrics.
 */
public final class Checkpoints {
    /** Files of a model folder that are not weights and travel unchanged from the initial model. */
    public static final List<String> TOKENIZER_FILES = List.of(
            "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json",
            "vocab.json", "merges.txt");
    public static final String TRAINER_STATE = "trainer_state.json";
    public static final String METRICS = "metrics.jsonl";

    private Checkpoints() {}

    /** Writes the model and the tokenizer files of {@code initDir} into {@code outDir}. */
    public static void save(Qwen2Model model, Path initDir, Path outDir, String trainerStateJson) {
        try {
            Files.createDirectories(outDir);
            model.save(outDir);
            for (String name : TOKENIZER_FILES) {
                Path source = initDir.resolve(name);
                if (Files.isRegularFile(source)) {
                    Files.copy(source, outDir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.writeString(outDir.resolve(TRAINER_STATE), trainerStateJson);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + outDir, e);
        }
    }
}
