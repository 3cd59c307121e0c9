package redispark.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Shape of a Qwen2-style decoder, read from and written to a Hugging Face {@code config.json} (Qwen2 keys).
 *
 * <p>Validated once here (compact constructor), so the layers never check shapes themselves.
 *
 * @param vocabSize rows of the embedding table ({@code vocab_size}); may exceed the tokenizer's vocabulary
 * @param hiddenSize model width D ({@code hidden_size})
 * @param intermediateSize SwiGLU width ({@code intermediate_size})
 * @param numLayers decoder blocks ({@code num_hidden_layers})
 * @param numHeads query heads H ({@code num_attention_heads}); head size is {@code hiddenSize / numHeads}
 * @param numKvHeads key/value heads ({@code num_key_value_heads}); must divide {@code numHeads}
 * @param ropeTheta rotary base ({@code rope_theta})
 * @param rmsNormEps RMSNorm epsilon ({@code rms_norm_eps})
 * @param maxPositions largest position + 1 the rotary table covers ({@code max_position_embeddings})
 * @param tieWordEmbeddings LM head shares the embedding matrix ({@code tie_word_embeddings})
 * @param bosTokenId {@code bos_token_id}, -1 when absent
 * @param eosTokenId {@code eos_token_id} (the first one when the file lists several), -1 when absent
 */
public record ModelConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        double ropeTheta,
        double rmsNormEps,
        int maxPositions,
        boolean tieWordEmbeddings,
        int bosTokenId,
        int eosTokenId) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public ModelConfig {
        require(vocabSize > 0, "vocab_size must be > 0, got " + vocabSize);
        require(hiddenSize > 0, "hidden_size must be > 0, got " + hiddenSize);
        require(intermediateSize > 0, "intermediate_size must be > 0, got " + intermediateSize);
        require(numLayers > 0, "num_hidden_layers must be > 0, got " + numLayers);
        require(
                numHeads > 0 && hiddenSize % numHeads == 0,
                "num_attention_heads (" + numHeads + ") must divide hidden_size (" + hiddenSize + ")");
        require(
                (hiddenSize / numHeads) % 2 == 0,
                "head size hidden_size/num_attention_heads must be even for rotary embeddings, got "
                        + hiddenSize / numHeads);
        require(
                numKvHeads > 0 && numHeads % numKvHeads == 0,
                "num_key_value_heads (" + numKvHeads + ") must divide num_attention_heads (" + numHeads + ")");
        require(ropeTheta > 0, "rope_theta must be > 0, got " + ropeTheta);
        require(rmsNormEps > 0, "rms_norm_eps must be > 0, got " + rmsNormEps);
        require(maxPositions > 0, "max_position_embeddings must be > 0, got " + maxPositions);
        require(
                bosTokenId < vocabSize && eosTokenId < vocabSize,
                "bos_token_id/eos_token_id must be < vocab_size " + vocabSize);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("config.json: " + message);
        }
    }

    /**
     * Edits to a base model's {@code config.json} applied when it is loaded for training, as the paper prepares
     * Qwen2.5-Math-1.5B (max_position_embeddings 4,096 → 32,768, rope_theta 10,000 → 300,000); a trained checkpoint
     * writes the edited values. 0 keeps the file's value.
     */
    public record Overrides(int maxPositions, double ropeTheta) implements java.io.Serializable {
        public static final Overrides NONE = new Overrides(0, 0);

        public Overrides {
            if (maxPositions < 0 || ropeTheta < 0) {
                throw new IllegalArgumentException("max-position-embeddings and rope-theta must be >= 0 (0 = as the "
                        + "model's config.json), got " + maxPositions + " and " + ropeTheta);
            }
        }

        /**
         * Writes these values into the Hugging Face {@code config.json} at {@code configJson}, keeping every other
         * key, so a copy of a base model is evaluated (and served) with the context it is trained with.
         */
        public void applyTo(Path configJson) {
            if (equals(NONE)) {
                return;
            }
            try {
                ObjectNode n = (ObjectNode) JSON.readTree(configJson.toFile());
                if (maxPositions > 0) {
                    n.put("max_position_embeddings", maxPositions);
                }
                if (ropeTheta > 0) {
                    n.put("rope_theta", ropeTheta);
                }
                Path edited = configJson.resolveSibling(configJson.getFileName() + ".edited");
                JSON.writeValue(edited.toFile(), n);
                Files.move(edited, configJson, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException | ClassCastException e) {
                throw new IllegalArgumentException(
                        "cannot apply max-position-embeddings / rope-theta to " + configJson + ": " + e.getMessage());
            }
        }
    }

    /** The config key that extends {@link #maxPositions} when training loads a model ({@link Overrides}). */
    public static final String MAX_POSITIONS_KEY = "student.max-position-embeddings";

    /**
     * The one-line error of {@code what} reaching position {@code lastPosition} (0-based), past what this model
     * covers; it names the setting that extends the context.
     */
    public IllegalArgumentException beyondMaxPositions(String what, long lastPosition) {
        return new IllegalArgumentException(what + " reaches position " + lastPosition
                + ", past max_position_embeddings "
                + maxPositions + " of the model: set " + MAX_POSITIONS_KEY + " (and student.rope-theta) to extend the"
                + " context of the model trained, or ask for fewer tokens");
    }

    /** This config with {@code o}'s non-zero values in place of its own. */
    public ModelConfig with(Overrides o) {
        return new ModelConfig(
                vocabSize,
                hiddenSize,
                intermediateSize,
                numLayers,
                numHeads,
                numKvHeads,
                o.ropeTheta() > 0 ? o.ropeTheta() : ropeTheta,
                rmsNormEps,
                o.maxPositions() > 0 ? o.maxPositions() : maxPositions,
                tieWordEmbeddings,
                bosTokenId,
                eosTokenId);
    }

    /** Size of one attention head. */
    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** Query heads per key/value head. */
    public int groups() {
        return numHeads / numKvHeads;
    }

    /** Reads a Hugging Face Qwen2 {@code config.json}; rejects model types and features this decoder lacks. */
    public static ModelConfig read(Path configJson) {
        JsonNode n;
        try {
            n = JSON.readTree(configJson.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + configJson, e);
        }
        String type = n.path("model_type").asText("qwen2");
        if (!type.equals("qwen2")) {
            throw new IllegalArgumentException(
                    configJson + ": model_type '" + type + "' is not supported (want qwen2)");
        }
        if (n.hasNonNull("rope_scaling")) {
            throw new IllegalArgumentException(configJson + ": rope_scaling is not supported");
        }
        if (n.path("use_sliding_window").asBoolean(false)) {
            throw new IllegalArgumentException(configJson + ": use_sliding_window=true is not supported");
        }
        String act = n.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new IllegalArgumentException(configJson + ": hidden_act '" + act + "' is not supported (want silu)");
        }
        int heads = requiredInt(n, "num_attention_heads", configJson);
        return new ModelConfig(
                requiredInt(n, "vocab_size", configJson),
                requiredInt(n, "hidden_size", configJson),
                requiredInt(n, "intermediate_size", configJson),
                requiredInt(n, "num_hidden_layers", configJson),
                heads,
                n.path("num_key_value_heads").asInt(heads),
                n.path("rope_theta").asDouble(10000.0),
                n.path("rms_norm_eps").asDouble(1e-6),
                n.path("max_position_embeddings").asInt(32768),
                n.path("tie_word_embeddings").asBoolean(false),
                tokenId(n.get("bos_token_id")),
                tokenId(n.get("eos_token_id")));
    }

    private static int requiredInt(JsonNode n, String key, Path file) {
        JsonNode v = n.get(key);
        if (v == null || !v.canConvertToInt()) {
            throw new IllegalArgumentException(file + ": missing or non-integer '" + key + "'");
        }
        return v.asInt();
    }

    private static int tokenId(JsonNode v) {
        if (v == null || v.isNull()) {
            return -1;
        }
        if (v.isArray()) {
            return v.isEmpty() ? -1 : v.get(0).asInt();
        }
        return v.asInt();
    }

    /** Writes a Hugging Face {@code config.json} (Qwen2ForCausalLM, float32) that {@link #read} and transformers load. */
    public void write(Path configJson) {
        ObjectNode n = JSON.createObjectNode();
        n.putArray("architectures").add("Qwen2ForCausalLM");
        n.put("model_type", "qwen2");
        n.put("vocab_size", vocabSize);
        n.put("hidden_size", hiddenSize);
        n.put("intermediate_size", intermediateSize);
        n.put("num_hidden_layers", numLayers);
        n.put("num_attention_heads", numHeads);
        n.put("num_key_value_heads", numKvHeads);
        n.put("hidden_act", "silu");
        n.put("rope_theta", ropeTheta);
        n.put("rms_norm_eps", rmsNormEps);
        n.put("max_position_embeddings", maxPositions);
        n.put("tie_word_embeddings", tieWordEmbeddings);
        if (bosTokenId >= 0) {
            n.put("bos_token_id", bosTokenId);
        }
        if (eosTokenId >= 0) {
            n.put("eos_token_id", eosTokenId);
        }
        n.put("attention_dropout", 0.0);
        n.put("initializer_range", Qwen2Model.INIT_STD);
        n.put("use_cache", true);
        n.put("use_sliding_window", false);
        n.put("torch_dtype", "float32");
        try {
            Files.createDirectories(configJson.toAbsolutePath().getParent());
            JSON.writeValue(configJson.toFile(), n);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + configJson, e);
        }
    }
}
