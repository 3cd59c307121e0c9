package redispark.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RediConfigTest {

    @Test
    void embeddedDefaultsCarryThePapersAlpha() {
        assertThat(RediConfig.defaults().getDouble("train.redi.alpha")).isEqualTo(0.8);
    }

    @Test
    void setOverridesOneKey() {
        RediConfig c = RediConfig.load(null, List.of("train.redi.alpha=1.0", "eval.samples=4"));
        assertThat(c.getDouble("train.redi.alpha")).isEqualTo(1.0);
        assertThat(c.getInt("eval.samples")).isEqualTo(4);
        assertThat(c.getInt("problems.count")).isEqualTo(RediConfig.defaults().getInt("problems.count"));
    }

    @Test
    void aBareUrlOnTheCommandLineIsTheWholeUrlNotACommentAfterTheScheme() {
        RediConfig c = RediConfig.load(
                null,
                List.of(
                        "eval.openai.base-url=http://127.0.0.1:8000/v1",
                        "teacher.openai.base-url=\"https://api.example.com/v1\"",
                        "eval.models=[a, b]"));
        assertThat(c.getString("eval.openai.base-url")).isEqualTo("http://127.0.0.1:8000/v1");
        assertThat(c.getString("teacher.openai.base-url")).isEqualTo("https://api.example.com/v1");
        assertThat(c.getStringList("eval.models")).containsExactly("a", "b");
    }

    @Test
    void unknownKeyOnTheCommandLineIsAnErrorNamingIt() {
        assertThatThrownBy(() -> RediConfig.load(null, List.of("train.redi.alpah=0.5")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown config key 'train.redi.alpah'");
    }

    @Test
    void unknownKeyInAnEnvironmentFileIsAnErrorNamingIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cluster.conf");
        Files.writeString(file, "spark { master = \"yarn\" }\ntrain { workerz = 4 }\n");
        assertThatThrownBy(() -> RediConfig.load(file.toFile(), List.of()))
                .hasMessageContaining("unknown config key 'train.workerz'");
    }

    @Test
    void freeFormSparkSettingsAreAccepted() {
        RediConfig c = RediConfig.load(null, List.of("spark.extra.\"spark.executor.memory\"=8g"));
        assertThat(c.raw().getConfig("spark.extra").root().unwrapped()).containsEntry("spark.executor.memory", "8g");
    }

    @Test
    void missingConfigFileIsAnError() {
        assertThatThrownBy(() -> RediConfig.load(new File("/nonexistent/x.conf"), List.of()))
                .hasMessageContaining("config file not found");
    }

    @Test
    void hashChangesOnlyWithTheNamedSubtrees() {
        RediConfig a = RediConfig.defaults();
        RediConfig b = RediConfig.load(null, List.of("eval.samples=9"));
        assertThat(a.hash("train", "problems")).isEqualTo(b.hash("train", "problems"));
        assertThat(a.hash("eval")).isNotEqualTo(b.hash("eval"));
    }
}
