package redispark.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class AllReduceBenchTest {

    @Test
    void benchPrintsTheDocumentedLine() {
        String line = AllReduceBench.run(2, 1);
        assertThat(line)
                .matches("allreduce ranks=2 mib=1 busbw_gbps=\\d+\\.\\d{3} exchange_gbps=\\d+\\.\\d{3} "
                        + "loopback_gbps=\\d+\\.\\d{3} reduce_gbps=\\d+\\.\\d{3} ratio=\\d+\\.\\d{3} "
                        + "sealed_busbw_gbps=\\d+\\.\\d{3} seal_cost_pct=-?\\d+\\.\\d");
    }

    @Test
    void rawTransfersMoveEveryByte() {
        // a size that is no multiple of the chunk: the last write is partial; a byte lost or extra would hang
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            assertThat(RawTransfer.oneWay(3 * 65536 + 12, 65536, 3)).isPositive();
            assertThat(RawTransfer.ring(3, 3 * 65536 + 12, 65536, 3, false)).isPositive();
        });
    }
}
