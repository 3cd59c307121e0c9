package redispark.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

class VerifierBenchTest {

    /** Speed is reported, not asserted: the line must be well-formed. */
    @Test
    void benchOverTheShippedMixReturnsOneParseableLine() throws Exception {
        Path mix = mix();
        assertThat(Files.size(mix)).isLessThan(1 << 20);
        String line = VerifierBench.run(mix);
        System.out.println(line);
        assertThat(line)
                .matches("verifier n=\\d+ per_s=\\d+ p50_ms=\\d+\\.\\d{3} p99_ms=\\d+\\.\\d{3}"
                        + " max_ms=\\d+\\.\\d{3}");
        assertThat(line)
                .contains("n="
                        + Files.readAllLines(mix).stream()
                                .filter(l -> !l.isBlank())
                                .count());
    }

    @Test
    void shippedMixHasVariedStylesAndOutcomes() throws Exception {
        var counts = new java.util.TreeMap<String, Integer>();
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String l : Files.readAllLines(mix())) {
            var j = mapper.readTree(l);
            Verdict v =
                    MathVerifier.verify(j.get("pred").asText(), j.get("gold").asText());
            counts.merge(j.get("style").asText() + "/" + v.reason().label(), 1, Integer::sum);
        }
        System.out.println("bench mix outcomes " + counts);
        assertThat(counts.keySet())
                .contains(
                        "boxed_correct/match",
                        "boxed_wrong/mismatch",
                        "truncated/no_answer",
                        "think_then_answer/match",
                        "minerva_sentence/match",
                        "choice/match");
    }

    static Path mix() throws URISyntaxException {
        return Paths.get(
                VerifierBenchTest.class.getResource("/verify/bench-mix.jsonl").toURI());
    }
}
