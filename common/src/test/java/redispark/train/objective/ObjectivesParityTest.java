package redispark.train.objective;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import redispark.train.objective.LossHarness.Seqs;

/**
 * Every objective against the same formula in PyTorch (float64), on the fixture that
 * {@code tools/parity/objectives_reference.py} wrote: loss and gradients with respect to the log-prob sums agree
 * within 1e-6 (in practice ~1e-15: both sides compute in float64).
 */
class ObjectivesParityTest {
    static final double TOLERANCE = 1e-6;

    @Test
    void lossesAndGradientsMatchPyTorchOnTheFixture() throws IOException {
        JsonNode fixture;
        try (InputStream in = getClass().getResourceAsStream("/train/objectives-parity.json")) {
            assertThat(in).as("fixture train/objectives-parity.json").isNotNull();
            fixture = new ObjectMapper().readTree(in);
        }
        double maxDelta = 0;
        int cases = 0;
        for (JsonNode c : fixture.get("cases")) {
            Objective objective = Objective.parse(c.get("objective").asText());
            Map<String, Double> params = new LinkedHashMap<>();
            c.get("params")
                    .fields()
                    .forEachRemaining(e -> params.put(e.getKey(), e.getValue().asDouble()));
            Map<String, Seqs> seqs = new LinkedHashMap<>();
            Map<String, double[]> constants = new LinkedHashMap<>();
            c.get("inputs").fields().forEachRemaining(e -> {
                if (e.getValue().isObject()) {
                    seqs.put(
                            e.getKey(),
                            new Seqs(
                                    doubles(e.getValue().get("sums")),
                                    doubles(e.getValue().get("counts"))));
                } else {
                    constants.put(e.getKey(), doubles(e.getValue()));
                }
            });
            LossHarness.Result r = LossHarness.evaluate(objective, params, seqs, constants);
            String name = c.get("name").asText();
            double lossDelta = Math.abs(r.loss() - c.get("loss").asDouble());
            assertThat(lossDelta).as(name + " loss").isLessThanOrEqualTo(TOLERANCE);
            maxDelta = Math.max(maxDelta, lossDelta);
            for (var g :
                    (Iterable<Map.Entry<String, JsonNode>>) () -> c.get("grads").fields()) {
                double[] expected = doubles(g.getValue());
                double[] actual = r.grads().get(g.getKey());
                assertThat(actual).as(name + " grad " + g.getKey()).hasSameSizeAs(expected);
                for (int i = 0; i < expected.length; i++) {
                    double d = Math.abs(actual[i] - expected[i]);
                    assertThat(d)
                            .as(name + " grad " + g.getKey() + "[" + i + "]")
                            .isLessThanOrEqualTo(TOLERANCE);
                    maxDelta = Math.max(maxDelta, d);
                }
            }
            cases++;
        }
        assertThat(cases).isGreaterThanOrEqualTo(Objective.values().length);
        System.out.printf("objective parity: %d cases, max |delta| = %.3g%n", cases, maxDelta);
    }

    private static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }
}
