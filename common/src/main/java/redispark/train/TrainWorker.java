package redispark.train;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redispark.dist.Collective;
import redispark.model.Qwen2Model;
import redispark.text.ChatTemplate;
import redispark.text.TextTokenizer;

/**
 * One training replica from start to end: load the initial model folder, tokenise this rank's rows with the
 * model's chat template, train, and (on rank 0) write the checkpoint. Spark-free: the Spark glue only feeds rows
 * and publishes the folder.
 */
public final class TrainWorker {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TrainWorker() {}

    /** A prompt and its completion(s): one completion for SFT, chosen then rejected for pairs. */
    public record TextRow(String id, String prompt, List<String> completions) {}

    /** What the worker hands back: the steps run and every step's metrics as JSON lines. */
    public record Outcome(int steps, List<String> metricLines) {}

    public static Outcome run(Path initDir, List<TextRow> rows, TrainConfig config, Collective collective,
            Path checkpointDir) {
        List<String> metricLines = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager();
                Qwen2Model model = Qwen2Model.load(initDir, root);
                TextTokenizer tokenizer = TextTokenizer.load(initDir)) {
            ChatTemplate template = ChatTemplate.load(initDir);
            TrainLoop.StepListener listener = metrics -> metricLines.add(toJson(metrics));
            TrainLoop loop = new TrainLoop(model, config, collective, tokenizer.padId(), listener);
            TrainLoop.Result result = config.objective().paired()
                    ? loop.redi(rows.stream().map(r -> pair(r, tokenizer, template)).toList())
                    : loop.sft(rows.stream().map(r -> example(r.id(), r.prompt(), r.completions().get(0),
                            tokenizer, template)).toList());
            if (collective.rank() == 0) {
                Map<String, Object> state = new LinkedHashMap<>();
                state.put("global_step", result.steps());
                state.put("objective", config.objective().label());
                state.put("config", config);
                state.put("world_size", collective.worldSize());
                Checkpoints.save(model, initDir, checkpointDir, toJson(state));
                Files.write(checkpointDir.resolve(Checkpoints.METRICS), metricLines);
            }
            return new Outcome(result.steps(), metricLines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static TokenizedExample example(String id, String prompt, String completion, TextTokenizer tokenizer,
            ChatTemplate template) {
        long[] promptIds = tokenizer.encode(template.prompt(prompt));
        long[] completionIds = tokenizer.encode(template.completion(completion));
        long[] tokens = new long[promptIds.length + completionIds.length];
        System.arraycopy(promptIds, 0, tokens, 0, promptIds.length);
        System.arraycopy(completionIds, 0, tokens, promptIds.length, completionIds.length);
        return new TokenizedExample(id, tokens, promptIds.length);
    }

    private static TokenizedPair pair(TextRow row, TextTokenizer tokenizer, ChatTemplate template) {
        return new TokenizedPair(row.id(),
                example(row.id() + "/chosen", row.prompt(), row.completions().get(0), tokenizer, template),
                example(row.id() + "/rejected", row.prompt(), row.completions().get(1), tokenizer, template));
    }

    private static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
