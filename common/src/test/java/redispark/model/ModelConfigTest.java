package redispark.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelConfigTest {

    /** The shape of Qwen2.5-1.5B-style config.json files, extra keys included. */
    static final String QWEN25_15B = """
      {"architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
       "eos_token_id": 151645, "hidden_act": "silu", "hidden_size": 1536, "initializer_range": 0.02,
       "intermediate_size": 8960, "max_position_embeddings": 32768, "max_window_layers": 21, "model_type": "qwen2",
       "num_attention_heads": 12, "num_hidden_layers": 28, "num_key_value_heads": 2, "rms_norm_eps": 1e-06,
       "rope_scaling": null, "rope_theta": 1000000.0, "sliding_window": 32768, "tie_word_embeddings": true,
       "torch_dtype": "bfloat16", "transformers_version": "4.43.1", "use_cache": true, "use_sliding_window": false,
       "vocab_size": 151936}
      """;

    @Test
    void readsAQwen25Config(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("config.json");
        Files.writeString(f, QWEN25_15B);
        ModelConfig c = ModelConfig.read(f);
        assertThat(c).isEqualTo(new ModelConfig(151936, 1536, 8960, 28, 12, 2, 1e6, 1e-6, 32768, true, 151643, 151645));
        assertThat(c.headDim()).isEqualTo(128);
        assertThat(c.groups()).isEqualTo(6);
    }

    @Test
    void writeThenReadIsTheSameConfig(@TempDir Path dir) {
        ModelConfig c = TinyStudent.config();
        c.write(dir.resolve("config.json"));
        assertThat(ModelConfig.read(dir.resolve("config.json"))).isEqualTo(c);
    }

    @Test
    void eosListTakesTheFirstId(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("config.json");
        Files.writeString(f, QWEN25_15B.replace("\"eos_token_id\": 151645", "\"eos_token_id\": [151645, 151643]"));
        assertThat(ModelConfig.read(f).eosTokenId()).isEqualTo(151645);
    }

    @Test
    void unsupportedFeaturesAndBadShapesAreRejectedWithTheKeyName(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("config.json");
        Files.writeString(f, QWEN25_15B.replace("\"rope_scaling\": null", "\"rope_scaling\": {\"type\": \"yarn\"}"));
        assertThatThrownBy(() -> ModelConfig.read(f)).hasMessageContaining("rope_scaling");
        Files.writeString(f, QWEN25_15B.replace("\"qwen2\"", "\"llama\""));
        assertThatThrownBy(() -> ModelConfig.read(f)).hasMessageContaining("model_type 'llama'");
        Files.writeString(f, QWEN25_15B.replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 5"));
        assertThatThrownBy(() -> ModelConfig.read(f)).hasMessageContaining("num_key_value_heads (5)");
        Files.writeString(f, QWEN25_15B.replace("\"hidden_size\": 1536,", ""));
        assertThatThrownBy(() -> ModelConfig.read(f)).hasMessageContaining("'hidden_size'");
    }
}
