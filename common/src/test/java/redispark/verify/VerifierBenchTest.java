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
                .matches("verifier n=\\d+ per_s=\\d+ cpu_per_s=\\d+ p50_ms=\\d+\\.\\d{3} p99_ms=\\d+\\.\\d{3}"
                        + " max_ms=\\d+\\.\\d{3}");
        assertThat(line)
                .contains("n="
                        + Files.readAllLines(mix).stream()
                                .filter(l -> !l.isBlank())
                                .count());
    }

    /** Every line of the mix states the verdict it must produce; each one is checked. */
    @Test
    void everyLineOfTheShippedMixGetsItsExpectedVerdict() throws Exception {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var counts = new java.util.TreeMap<String, Integer>();
        var wrong = new java.util.ArrayList<String>();
        int lineNo = 0;
        for (String l : Files.readAllLines(mix())) {
            lineNo++;
            var j = mapper.readTree(l);
            String expect = j.get("expect").asText();
            Verdict v =
                    MathVerifier.verify(j.get("pred").asText(), j.get("gold").asText(), Verdicts.UNHURRIED);
            counts.merge(j.get("style").asText() + "/" + expect, 1, Integer::sum);
            if (!v.reason().label().equals(expect)) {
                wrong.add("line " + lineNo + " (" + j.get("style").asText() + ", gold "
                        + j.get("gold").asText() + "): expected " + expect + ", got "
                        + v.reason().label() + " extracting " + v.extracted());
            }
        }
        assertThat(lineNo).isEqualTo(1530);
        assertThat(wrong).as("lines whose verdict is not the expected one").isEmpty();
        // The mix exercises both outcomes of the styles that have two, and every style.
        assertThat(counts.keySet())
                .contains(
                        "boxed_correct/match",
                        "boxed_equivalent/match",
                        "boxed_wrong/mismatch",
                        "truncated/no_answer",
                        "think_then_answer/match",
                        "think_then_answer/mismatch",
                        "minerva_sentence/match",
                        "answer_colon/match",
                        "choice/match",
                        "choice/mismatch");
    }

    static Path mix() throws URISyntaxException {
        return Paths.get(
                VerifierBenchTest.class.getResource("/verify/bench-mix.jsonl").toURI());
    }
}
