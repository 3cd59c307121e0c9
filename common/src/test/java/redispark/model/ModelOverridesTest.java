package redispark.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelOverridesTest {

    @Test
    void aModelLoadedWithOverridesUsesThemAndWritesThemIntoItsCheckpoint(@TempDir Path dir) {
        Path base = dir.resolve("base");
        TinyStudent.write(base, 1);
        ModelConfig stock = ModelConfig.read(base.resolve("config.json"));
        ModelConfig.Overrides paper = new ModelConfig.Overrides(stock.maxPositions() * 4, 300000);
        try (NDManager m = NDManager.newBaseManager();
                Qwen2Model model = Qwen2Model.load(base, m, paper)) {
            assertThat(model.config().maxPositions()).isEqualTo(stock.maxPositions() * 4);
            assertThat(model.config().ropeTheta()).isEqualTo(300000);
            model.save(dir.resolve("trained"));
        }
        ModelConfig trained = ModelConfig.read(dir.resolve("trained/config.json"));
        assertThat(trained.maxPositions()).isEqualTo(stock.maxPositions() * 4);
        assertThat(trained.ropeTheta()).isEqualTo(300000);
        assertThat(trained.with(ModelConfig.Overrides.NONE)).isEqualTo(trained);
        assertThat(trained.hiddenSize()).isEqualTo(stock.hiddenSize());
    }

    @Test
    void overridesWrittenIntoAConfigFileKeepItsOtherKeys(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("config.json");
        java.nio.file.Files.writeString(
                config,
                "{\"model_type\": \"qwen2\", \"max_position_embeddings\": 4096, \"rope_theta\": 10000.0,"
                        + " \"sliding_window\": 4096, \"torch_dtype\": \"bfloat16\"}");
        new ModelConfig.Overrides(32768, 0).applyTo(config);
        com.fasterxml.jackson.databind.JsonNode edited =
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(config.toFile());
        assertThat(edited.get("max_position_embeddings").asInt()).isEqualTo(32768);
        assertThat(edited.get("rope_theta").asDouble()).isEqualTo(10000.0);
        assertThat(edited.get("sliding_window").asInt()).isEqualTo(4096);
        assertThat(edited.get("torch_dtype").asText()).isEqualTo("bfloat16");
        assertThat(dir.resolve("config.json.edited")).doesNotExist();
    }

    @Test
    void negativeOverridesAreRefused() {
        assertThatThrownBy(() -> new ModelConfig.Overrides(-1, 0)).hasMessageContaining(">= 0");
    }
}
