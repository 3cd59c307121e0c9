package redispark.model;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The embedded default student: a character-level tokenizer plus a ~0.9 M-parameter Qwen2 decoder, written as a
 * regular Hugging Face folder, so every code path (load, train, save, sample) is the one the real student uses.
 *
 * <p>The shape is what learns the synthetic arithmetic fastest per CPU second (measured, README "Measured"): two
 * layers give twice the optimizer steps of four in the same time, and a character model only starts to use the
 * problem (copy its operands) after roughly a thousand steps; a wide SwiGLU holds the arithmetic facts.
 *
 * <p>Vocabulary (101 tokens; the embedding has {@link #VOCAB_SIZE} rows): ids 0-4 are the added tokens
 * {@code <|endoftext|> <|im_start|> <|im_end|> <think> </think>}, id 5 is {@code '\n'}, ids 6-100 are printable ASCII
 * 32..126. The model is BPE with no merges and no pre-tokenizer (so every character is one token) and a {@code Fuse}
 * decoder (tokens concatenated, no spaces), so any ASCII text round-trips exactly.
 */
public final class TinyStudent {

    /** Added tokens, in id order from 0. */
    public static final List<String> SPECIAL_TOKENS =
            List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>");

    /** Rows of the embedding (tokenizer vocabulary 101, rounded up). */
    public static final int VOCAB_SIZE = 128;

    /**
     * ChatML without a system turn: a fixed system prompt would be a third of every prompt, and a tiny student pays
     * for each of its tokens in every training step and every sample.
     */
    private static final String CHAT_TEMPLATE = """
      {%- for message in messages %}
      {{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}
      {%- endfor %}
      {%- if add_generation_prompt %}
      {{- '<|im_start|>assistant\\n' }}
      {%- endif %}
      """;

    private TinyStudent() {}

    /** The student's shape: d 128, 2 layers, 4 heads / 2 KV heads, SwiGLU 1024, 512 positions, tied embeddings. */
    public static ModelConfig config() {
        return new ModelConfig(VOCAB_SIZE, 128, 1024, 2, 4, 2, 10000.0, 1e-6, 512, true, 0, 2);
    }

    /** ChatML with no system turn (user, then assistant). */
    public static String chatTemplate() {
        return CHAT_TEMPLATE;
    }

    /** Writes tokenizer.json, tokenizer_config.json, config.json, generation_config.json and seeded model.safetensors. */
    public static void write(Path hfDir, long seed) {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        try {
            Files.createDirectories(hfDir);
            json.writeValue(hfDir.resolve("tokenizer.json").toFile(), tokenizerJson(json));
            json.writeValue(hfDir.resolve("tokenizer_config.json").toFile(), tokenizerConfig(json));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the tiny student's tokenizer to " + hfDir, e);
        }
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                Qwen2Model model = Qwen2Model.create(config(), seed, m)) {
            model.save(hfDir);
        }
    }

    private static ObjectNode tokenizerJson(ObjectMapper json) {
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < SPECIAL_TOKENS.size(); i++) {
            ObjectNode t = added.addObject();
            t.put("id", i);
            t.put("content", SPECIAL_TOKENS.get(i));
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", i < 3); // like Qwen: <think> and </think> are added but not special
        }
        root.putNull("normalizer");
        root.putNull("pre_tokenizer");
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "Fuse");
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        int id = 0;
        for (String special : SPECIAL_TOKENS) {
            vocab.put(special, id++); // in the model vocabulary too, or tokenizers renumbers the added tokens after it
        }
        vocab.put("\n", id++);
        for (char c = 32; c <= 126; c++) {
            vocab.put(String.valueOf(c), id++);
        }
        model.putArray("merges");
        return root;
    }

    private static ObjectNode tokenizerConfig(ObjectMapper json) {
        ObjectNode root = json.createObjectNode();
        root.put("tokenizer_class", "PreTrainedTokenizerFast");
        root.putNull("bos_token");
        root.put("eos_token", "<|im_end|>");
        root.put("pad_token", "<|endoftext|>");
        root.put("add_bos_token", false);
        root.put("add_eos_token", false);
        root.put("clean_up_tokenization_spaces", false);
        root.put("model_max_length", config().maxPositions());
        ObjectNode dec = root.putObject("added_tokens_decoder");
        for (int i = 0; i < SPECIAL_TOKENS.size(); i++) {
            ObjectNode t = dec.putObject(Integer.toString(i));
            t.put("content", SPECIAL_TOKENS.get(i));
            t.put("lstrip", false);
            t.put("normalized", false);
            t.put("rstrip", false);
            t.put("single_word", false);
            t.put("special", i < 3);
        }
        root.put("chat_template", chatTemplate());
        return root;
    }
}
