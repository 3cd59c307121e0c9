package redispark.jobs.spark;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Where the ring's sockets listen and what the ranks dial, per mode, when train.dist leaves them empty. */
class RingAddressesTest {

    @Test
    void localModeListensOnLoopbackOnly() {
        String advertised = BarrierTraining.advertiseHost("", true, "vm.example");
        assertThat(advertised).isEqualTo("127.0.0.1");
        assertThat(BarrierTraining.bindHost("", true, advertised)).isEqualTo("127.0.0.1");
    }

    @Test
    void clusterModeListensOnTheExecutorsOwnAddressNotEveryInterface() {
        String advertised = BarrierTraining.advertiseHost("", false, "10.0.3.7");
        assertThat(advertised).isEqualTo("10.0.3.7");
        assertThat(BarrierTraining.bindHost("", false, advertised)).isEqualTo("10.0.3.7");
    }

    @Test
    void explicitSettingsWin() {
        String advertised = BarrierTraining.advertiseHost("node-7.internal", false, "10.0.3.7");
        assertThat(advertised).isEqualTo("node-7.internal");
        assertThat(BarrierTraining.bindHost("0.0.0.0", false, advertised)).isEqualTo("0.0.0.0");
        assertThat(BarrierTraining.bindHost("", false, advertised)).isEqualTo("node-7.internal");
    }
}
