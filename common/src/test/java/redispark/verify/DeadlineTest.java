package redispark.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The wall-clock cap is counted from the start of the call and is never deferred or restarted. */
class DeadlineTest {

    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    @Test
    void aStalledThreadTimesOutAtTheWallCapThoughItUsedLittleCpu() throws InterruptedException {
        Deadline d = Deadline.after(2_000_000L); // 2 ms of CPU, 6 ms wall cap
        Thread.sleep(20);
        assertThatThrownBy(d::check).isSameAs(Deadline.Expired.INSTANCE);
    }

    @Test
    void aCpuProbeDoesNotPushTheNextCheckPastTheWallCap() throws InterruptedException {
        Deadline d = Deadline.after(20_000_000L); // 20 ms of CPU, 60 ms wall cap
        spin(3_000_000L); // past the first probe: this check reads the CPU clock and plans the next one
        d.expired(); // on a quiet machine not yet expired; under load it may be, which changes nothing below
        Thread.sleep(80); // descheduled past the wall cap with CPU budget left
        assertThatThrownBy(d::check).isSameAs(Deadline.Expired.INSTANCE);
    }

    @Test
    void withinTheBudgetChecksPass() {
        Deadline d = Deadline.after(1_000_000_000L);
        d.check();
        assertThat(d.expired()).isFalse();
    }
}
