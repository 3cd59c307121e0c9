package redispark.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RendezvousTest {

    private static final byte[] SECRET = new byte[32];

    @Test
    void toStringNeverShowsTheSecret() {
        byte[] secret = "a-very-secret-value-0123456789".getBytes();
        Rendezvous rv = Rendezvous.of(0, List.of("h0:1", "h1:2"), secret, "run", 0);
        assertThat(rv.toString()).doesNotContain("very-secret").contains("<30 bytes>");
    }

    @Test
    void secretIsCopiedInAndOut() {
        byte[] secret = Rendezvous.newSecret();
        Rendezvous rv = Rendezvous.of(0, List.of("h:1"), secret, "run", 0);
        secret[0] ^= 1;
        assertThat(rv.secret()).isNotEqualTo(secret);
        rv.secret()[1] ^= 1;
        assertThat(rv.secret()[1]).isNotEqualTo((byte) (secret[1] ^ 1));
    }

    @Test
    void shortSecretIsRejected() {
        assertThatThrownBy(() -> Rendezvous.of(0, List.of("h:1"), new byte[8], "run", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 16 bytes");
    }

    @Test
    void badAddressesAreRejectedNamingTheRank() {
        assertThatThrownBy(() -> Rendezvous.of(0, List.of("h:1", "nohostport"), SECRET, "run", 0))
                .hasMessageContaining("rank 1")
                .hasMessageContaining("host:port");
        assertThatThrownBy(() -> Rendezvous.of(0, List.of("::1:5000"), SECRET, "run", 0))
                .hasMessageContaining("IPv6");
        assertThatThrownBy(() -> Rendezvous.of(0, List.of("h:99999"), SECRET, "run", 0))
                .hasMessageContaining("port out of range");
    }

    @Test
    void ipv6AddressesInBracketsParse() {
        Rendezvous rv = Rendezvous.of(0, List.of("[::1]:5000"), SECRET, "run", 0);
        assertThat(rv.address(0).getHostString()).isEqualTo("::1");
        assertThat(rv.address(0).getPort()).isEqualTo(5000);
    }

    @Test
    void rankOutsideTheWorldIsRejected() {
        assertThatThrownBy(() -> Rendezvous.of(2, List.of("h:1", "h:2"), SECRET, "run", 0))
                .hasMessageContaining("rank 2 is outside 0..1");
    }

    @Test
    void ringNeighboursWrapAround() {
        Rendezvous rv = Rendezvous.of(0, List.of("h:1", "h:2", "h:3"), SECRET, "run", 0)
                .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(2))
                .withSegmentBytes(64);
        assertThat(rv.next()).isEqualTo(1);
        assertThat(rv.previous()).isEqualTo(2);
        assertThat(rv.ioTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(rv.segmentBytes()).isEqualTo(64);
    }
}
