package redispark.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Spark calls the verifier from several executor threads at once: verdicts must not depend on that. */
class ConcurrencyTest {

    @Test
    void concurrentCallersGetTheSameVerdictsAsOneCaller() throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<String[]> pairs = new ArrayList<>();
        for (String line : Files.readAllLines(VerifierBenchTest.mix())) {
            JsonNode j = json.readTree(line);
            pairs.add(new String[] {j.get("pred").asText(), j.get("gold").asText()});
        }
        VerifyOptions generous = VerifyOptions.defaults().withBudget(java.time.Duration.ofSeconds(5));
        List<Reason> expected = new ArrayList<>();
        for (String[] p : pairs) {
            expected.add(MathVerifier.verify(p[0], p[1], generous).reason());
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<Reason>>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int offset = t * 97;
                futures.add(pool.submit(() -> {
                    Reason[] got = new Reason[pairs.size()];
                    for (int k = 0; k < pairs.size(); k++) {
                        int i = (k + offset) % pairs.size(); // threads walk the file out of phase
                        got[i] = MathVerifier.verify(pairs.get(i)[0], pairs.get(i)[1], generous)
                                .reason();
                    }
                    return List.of(got);
                }));
            }
            for (Future<List<Reason>> f : futures) {
                assertThat(f.get()).isEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void verdictAndOptionsSerialiseForSparkClosures() throws Exception {
        var bytes = new java.io.ByteArrayOutputStream();
        try (var out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(MathVerifier.verify("\\boxed{1}", "1"));
            out.writeObject(VerifyOptions.defaults());
        }
        try (var in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            assertThat(in.readObject()).isEqualTo(new Verdict(true, "1", Reason.MATCH));
            assertThat(in.readObject()).isEqualTo(VerifyOptions.defaults());
        }
    }
}
