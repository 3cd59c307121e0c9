package redispark.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifyFileTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void eachLineGetsAVerdictAndKeepsItsOtherFields() throws IOException {
        Path in = dir.resolve("in.jsonl");
        Files.write(
                in,
                List.of(
                        "{\"id\": 1, \"gold\": \"\\\\frac{1}{2}\", \"pred\": \"so \\\\boxed{0.5}\"}",
                        "",
                        "{\"id\": 2, \"gold\": 27.0, \"pred\": \"\\\\boxed{28}\", \"meta\": {\"k\": [1, 2]}}",
                        "{\"id\": 3, \"gold\": \"5\", \"pred\": null}"));
        Path out = dir.resolve("sub/out.jsonl");
        VerifyFile.Summary summary = VerifyFile.run(in, out);
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(3);
        JsonNode first = JSON.readTree(lines.get(0));
        assertThat(first.get("id").asInt()).isEqualTo(1);
        assertThat(first.get("correct").asBoolean()).isTrue();
        assertThat(first.get("extracted").asText()).isEqualTo("0.5");
        assertThat(first.get("reason").asText()).isEqualTo("match");
        JsonNode second = JSON.readTree(lines.get(1));
        assertThat(second.get("meta").get("k").size()).isEqualTo(2);
        assertThat(second.get("correct").asBoolean()).isFalse();
        assertThat(second.get("reason").asText()).isEqualTo("mismatch");
        JsonNode third = JSON.readTree(lines.get(2));
        assertThat(third.get("reason").asText()).isEqualTo("no_answer");
        assertThat(third.get("extracted").isNull()).isTrue();
        assertThat(summary.lines()).isEqualTo(3);
        assertThat(summary.correct()).isEqualTo(1);
        assertThat(summary.reasons())
                .containsEntry("match", 1L)
                .containsEntry("mismatch", 1L)
                .containsEntry("no_answer", 1L);
    }

    @Test
    void aProblemFieldThatAsksForRoundingLetsARoundedDecimalMatch() throws IOException {
        Path in = dir.resolve("rounding.jsonl");
        Files.write(
                in,
                List.of(
                        "{\"gold\": \"4\\\\pi\", \"pred\": \"\\\\boxed{12.57}\", \"problem\": \"Round to the nearest hundredth.\"}",
                        "{\"gold\": \"4\\\\pi\", \"pred\": \"\\\\boxed{12.57}\", \"problem\": \"What is the area?\"}",
                        "{\"gold\": \"4\\\\pi\", \"pred\": \"\\\\boxed{12.57}\"}"));
        Path out = dir.resolve("rounding-out.jsonl");
        VerifyFile.run(in, out);
        List<String> reasons = Files.readAllLines(out).stream()
                .map(l -> {
                    try {
                        return JSON.readTree(l).get("reason").asText();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                })
                .toList();
        assertThat(reasons).containsExactly("match", "mismatch", "mismatch");
    }

    @Test
    void malformedJsonNamesTheLine() throws IOException {
        Path in = dir.resolve("bad.jsonl");
        Files.write(in, List.of("{\"gold\": \"1\", \"pred\": \"1\"}", "{\"gold\": \"1\", \"pred\": "));
        Path out = dir.resolve("out.jsonl");
        assertThatThrownBy(() -> VerifyFile.run(in, out))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("line 2: ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThat(out).doesNotExist();
    }

    @Test
    void missingOrMistypedFieldsNameTheLine() throws IOException {
        Path in = dir.resolve("bad.jsonl");
        Path out = dir.resolve("out.jsonl");
        Files.write(in, List.of("{\"gold\": \"1\"}"));
        assertThatThrownBy(() -> VerifyFile.run(in, out))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("line 1: missing field \"pred\"");
        Files.write(in, List.of("[1, 2]"));
        assertThatThrownBy(() -> VerifyFile.run(in, out))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("line 1: expected a JSON object, got array");
        Files.write(in, List.of("{\"gold\": {\"a\": 1}, \"pred\": \"x\"}"));
        assertThatThrownBy(() -> VerifyFile.run(in, out))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("line 1: field \"gold\" must be a string, got object");
    }
}
