package redispark.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import redispark.model.ModelConfig;

/** tools/gpu-check/plan.json is what the planner predicts today (rewrite it with -Dredi.plan.update=true). */
class GpuCheckPlanTest {

    static final Path FILE = Path.of("..", "tools", "gpu-check", "plan.json");

    @Test
    void committedPredictionsAreThePlannersCurrentOnes() throws Exception {
        String want =
                GpuCheckPlan.json(ModelConfig.read(TrainPlanTest.QWEN_1_5B), "conf/models/qwen2.5-math-1.5b.json");
        if (Boolean.getBoolean("redi.plan.update")) {
            Files.writeString(FILE, want, StandardCharsets.UTF_8);
        }
        assertThat(Files.readString(FILE, StandardCharsets.UTF_8))
                .as(
                        "tools/gpu-check/plan.json is stale: mvn -pl common test -Dtest=GpuCheckPlanTest -Dredi.plan.update=true")
                .isEqualTo(want);
    }
}
