package redispark.teacher.openai;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.random.RandomGenerator;

/** Wait times between attempts: exponential back-off with jitter, and the server's {@code Retry-After}. */
final class Backoff {

    private Backoff() {}

    /**
     * The wait after the {@code failures}-th failed attempt (1-based): {@code initial * 2^(failures-1)},
     * capped at {@code max}, then "equal jitter": half of it fixed, half uniform. The fixed half keeps a
     * minimum pause; the random half spreads the retries of many task threads that failed together (a 429
     * storm) so they do not come back in lock-step.
     */
    static Duration delay(int failures, Duration initial, Duration max, RandomGenerator random) {
        if (failures < 1) {
            throw new IllegalArgumentException("failures must be >= 1, got " + failures);
        }
        long initialNanos = initial.toNanos();
        long maxNanos = max.toNanos();
        long base = initialNanos;
        for (int i = 1; i < failures && base < maxNanos; i++) {
            base = base > maxNanos / 2 ? maxNanos : base * 2;
        }
        base = Math.min(base, maxNanos);
        long half = base / 2;
        long jitter = half == 0 ? 0 : random.nextLong(half + 1);
        return Duration.ofNanos(base - half + jitter);
    }

    /**
     * How long the server asked us to wait: {@code retry-after-ms} (milliseconds, sent by OpenAI), else
     * {@code Retry-After} as delta-seconds or an HTTP date (RFC 9110). Empty when absent or unparsable.
     */
    static Optional<Duration> retryAfter(HttpHeaders headers, Instant now) {
        Optional<String> ms = headers.firstValue("retry-after-ms");
        if (ms.isPresent()) {
            try {
                double millis = Double.parseDouble(ms.get().strip());
                if (millis >= 0 && !Double.isInfinite(millis)) {
                    return Optional.of(Duration.ofNanos((long) (millis * 1_000_000)));
                }
            } catch (NumberFormatException e) {
                // fall through to Retry-After
            }
        }
        return headers.firstValue("retry-after").flatMap(v -> parseRetryAfter(v, now));
    }

    static Optional<Duration> parseRetryAfter(String value, Instant now) {
        String v = value.strip();
        try {
            long seconds = Long.parseLong(v);
            return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
        } catch (NumberFormatException e) {
            // not delta-seconds; try an HTTP date
        }
        try {
            Instant at =
                    ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration d = Duration.between(now, at);
            return Optional.of(d.isNegative() ? Duration.ZERO : d);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
