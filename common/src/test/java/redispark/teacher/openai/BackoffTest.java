package redispark.teacher.openai;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private static final Duration INITIAL = Duration.ofMillis(100);
    private static final Duration MAX = Duration.ofSeconds(1);

    @Test
    void delayDoublesPerFailureWithinEqualJitterBoundsAndCaps() {
        SplittableRandom random = new SplittableRandom(1);
        long[] bases = {100, 200, 400, 800, 1000, 1000, 1000};
        for (int failures = 1; failures <= bases.length; failures++) {
            for (int trial = 0; trial < 200; trial++) {
                long ms = Backoff.delay(failures, INITIAL, MAX, random).toMillis();
                assertThat(ms).isBetween(bases[failures - 1] / 2, bases[failures - 1]);
            }
        }
        // No overflow for absurd attempt counts.
        assertThat(Backoff.delay(10_000, INITIAL, MAX, random)).isBetween(Duration.ofMillis(500), MAX);
    }

    @Test
    void retryAfterReadsSecondsMillisecondsAndHttpDates() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        assertThat(Backoff.retryAfter(headers(Map.of("Retry-After", List.of("3"))), now))
                .contains(Duration.ofSeconds(3));
        assertThat(Backoff.retryAfter(
                        headers(Map.of("retry-after-ms", List.of("250"), "Retry-After", List.of("3"))), now))
                .contains(Duration.ofMillis(250));
        assertThat(Backoff.retryAfter(headers(Map.of("Retry-After", List.of("Thu, 01 Jan 2026 00:00:05 GMT"))), now))
                .contains(Duration.ofSeconds(5));
        // A date in the past means "now", garbage means "no wish".
        assertThat(Backoff.parseRetryAfter("Wed, 31 Dec 2025 23:59:00 GMT", now))
                .contains(Duration.ZERO);
        assertThat(Backoff.parseRetryAfter("soon", now)).isEqualTo(Optional.empty());
        assertThat(Backoff.parseRetryAfter("-4", now)).isEqualTo(Optional.empty());
        assertThat(Backoff.retryAfter(headers(Map.of()), now)).isEmpty();
    }

    private static HttpHeaders headers(Map<String, List<String>> map) {
        return HttpHeaders.of(map, (k, v) -> true);
    }
}
