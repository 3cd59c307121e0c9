package redispark.jobs.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import redispark.jobs.config.RediConfig;
import redispark.jobs.generate.GenerateConfig;
import redispark.teacher.ErrorModel;
import redispark.teacher.Slip;

class ExperimentPresetTest {

    private static ErrorModel teacherOf(List<String> overrides) {
        return GenerateConfig.from(RediConfig.load(null, overrides)).teacher().errorModel();
    }

    @Test
    void paperTable2TeachesWithTheStudentsOwnKindOfMistakes() {
        assertThat(teacherOf(List.of()).slipWeights()).isEqualTo(ErrorModel.DEFAULT_WEIGHTS);
        List<String> preset = ExperimentPreset.parse("paper-table2").overrides();
        assertThat(teacherOf(preset).slipWeights()).isEqualTo(ErrorModel.STUDENT_LIKE_WEIGHTS);
        assertThat(teacherOf(preset).truncationRate()).isZero();
        RediConfig config = RediConfig.load(null, preset);
        assertThat(config.raw().getDoubleList("experiment.lr-factors")).containsExactly(1.0, 10.0);
        assertThat(config.getString("experiment.seeds-at")).isEqualTo("best-lr");
        assertThat(config.raw().getBoolean("experiment.plateau.require")).isTrue();
    }

    @Test
    void theUsersSetWinsOverThePreset() {
        List<String> overrides =
                new ArrayList<>(ExperimentPreset.parse("paper-table2").overrides());
        overrides.add(GenerateConfig.slipWeightKey(Slip.MISCOPY) + "=0");
        assertThat(teacherOf(overrides).weight(Slip.MISCOPY)).isZero();
        assertThat(teacherOf(overrides).weight(Slip.NEAR_MISS))
                .isEqualTo(ErrorModel.STUDENT_LIKE_WEIGHTS.get(Slip.NEAR_MISS));
    }

    @Test
    void aNegativeWeightIsAOneLineErrorNamingTheKind() {
        assertThatThrownBy(() -> teacherOf(List.of(GenerateConfig.slipWeightKey(Slip.NEAR_MISS) + "=-1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NEAR_MISS");
        assertThatThrownBy(() -> ExperimentPreset.parse("paper")).hasMessageContaining("unknown preset 'paper'");
    }
}
