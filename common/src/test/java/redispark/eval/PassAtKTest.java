package redispark.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PassAtKTest {

    @Test
    void passAtOneIsTheFractionCorrect() {
        for (int c = 0; c <= 16; c++) {
            assertThat(PassAtK.estimate(16, c, 1)).isCloseTo(c / 16.0, within(1e-12));
        }
    }

    @Test
    void passAtKMatchesHandComputedCombinations() {
        // n=16, c=1, k=4: 1 − C(15,4)/C(16,4) = 1 − 1365/1820 = 0.25
        assertThat(PassAtK.estimate(16, 1, 4)).isCloseTo(0.25, within(1e-12));
        // n=16, c=2, k=4: 1 − C(14,4)/C(16,4) = 1 − 1001/1820 = 0.45
        assertThat(PassAtK.estimate(16, 2, 4)).isCloseTo(0.45, within(1e-12));
        // n=16, c=0: never; c=13, k=4: n−c = 3 < k so always
        assertThat(PassAtK.estimate(16, 0, 4)).isZero();
        assertThat(PassAtK.estimate(16, 13, 4)).isEqualTo(1.0);
        // k = n: any correct sample suffices
        assertThat(PassAtK.estimate(16, 1, 16)).isEqualTo(1.0);
        assertThat(PassAtK.estimate(16, 0, 16)).isZero();
    }

    @Test
    void passAtKRejectsImpossibleCounts() {
        assertThatThrownBy(() -> PassAtK.estimate(4, 5, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PassAtK.estimate(4, 1, 5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void benchmarkScoreUsesThePapersStandardError() {
        // 2 problems × 2 samples: sample 0 gets 2/2, sample 1 gets 0/2 → per-sample accuracies 1.0 and 0.0
        Map<String, Double> s = BenchmarkScore.score(new boolean[][] {{true, false}, {true, false}});
        assertThat(s.get("pass@1")).isCloseTo(0.5, within(1e-12));
        // population std of {1, 0} = 0.5, over √2
        assertThat(s.get("pass@1_sem")).isCloseTo(0.5 / Math.sqrt(2), within(1e-12));
        assertThat(s.get("pass@2")).isCloseTo(1.0, within(1e-12));
    }
}
