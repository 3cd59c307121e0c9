package redispark.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LrScheduleTest {

    @Test
    void warmsUpLinearlyThenDecaysToZeroAtTheEnd() {
        LrSchedule s = LrSchedule.of(1.0, 0.1, 100); // 10 warm-up steps
        assertThat(s.at(0)).isCloseTo(0.1, within(1e-12));
        assertThat(s.at(9)).isCloseTo(1.0, within(1e-12));
        assertThat(s.at(10)).isCloseTo(1.0, within(1e-12));
        assertThat(s.at(55)).isCloseTo(0.5, within(1e-12));
        assertThat(s.at(99)).isCloseTo(1.0 / 90, within(1e-12));
        assertThat(s.at(100)).isZero();
    }

    @Test
    void withoutWarmupStartsAtThePeak() {
        LrSchedule s = LrSchedule.of(2e-3, 0.0, 4);
        assertThat(s.at(0)).isCloseTo(2e-3, within(1e-15));
        assertThat(s.at(3)).isCloseTo(0.5e-3, within(1e-15));
    }
}
