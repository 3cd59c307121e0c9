package redispark.dist;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AllReduceBenchTest {

    @Test
    void benchPrintsTheDocumentedLine() {
        String line = AllReduceBench.run(2, 1);
        assertThat(line)
                .matches("allreduce ranks=2 mib=1 busbw_gbps=\\d+\\.\\d{3} loopback_gbps=\\d+\\.\\d{3} "
                        + "memcpy_gbps=\\d+\\.\\d{3} ratio=\\d+\\.\\d{3} sealed_busbw_gbps=\\d+\\.\\d{3} "
                        + "seal_cost_pct=-?\\d+\\.\\d");
    }
}
