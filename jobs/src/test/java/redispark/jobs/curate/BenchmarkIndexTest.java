package redispark.jobs.curate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.teacher.Problem;

class BenchmarkIndexTest {
    static final String CIRCLE = "A circle has a radius of 5 centimetres. A square is drawn around it so that each "
            + "side touches the circle. What is the area of the square in square centimetres?";

    static BenchmarkIndex index(int n) {
        return BenchmarkIndex.of(
                Map.of(
                        "geo",
                        List.of(
                                new Problem("geo-1", CIRCLE, "100", "geo", 1),
                                new Problem("geo-2", "What is 2 + 2?", "4", "geo", 1))),
                n);
    }

    @Test
    void aLightlyRewordedCopyMatchesWithItsIdAndOverlap() {
        String reworded =
                CIRCLE.replace("centimetres. A square", "cm. A square").replace("$", "");
        BenchmarkIndex.Match m = index(8).match(reworded, 0.5).orElseThrow();
        assertThat(m.benchmark()).isEqualTo("geo");
        assertThat(m.problemId()).isEqualTo("geo-1");
        assertThat(m.overlap()).isBetween(0.5, 0.99);
        assertThat(index(8).match(CIRCLE, 0.5).orElseThrow().overlap()).isEqualTo(1.0);
    }

    @Test
    void anUnrelatedProblemOrAnotherShortOneDoesNotMatch() {
        assertThat(index(8).match(
                                "A rectangle has sides 3 and 4 centimetres. What is the length of its diagonal?", 0.5))
                .isEmpty();
        assertThat(index(8).match("What is 2 + 3?", 0.5)).isEmpty();
        assertThat(index(8).match("what is 2+2", 0.5).orElseThrow().problemId()).isEqualTo("geo-2");
    }

    @Test
    void aBenchmarkProblemInsideALongerProblemMatches() {
        String longer = "Read carefully before you start and show every step of your work. " + CIRCLE
                + " Then give the perimeter of the square as well, and explain why the two answers differ.";
        assertThat(index(8).match(longer, 0.5)).isPresent();
    }

    @Test
    void loadsEveryJsonlOfAFolderAndNotesLinesWithoutAProblem(@TempDir Path dir) throws Exception {
        Files.writeString(
                dir.resolve("one.jsonl"),
                "{\"problem\": \"" + CIRCLE + "\", \"answer\": \"100\"}\n" + "{\"question\": \"no problem field\"}\n");
        Files.writeString(dir.resolve("two.jsonl"), "{\"problem\": \"What is 2 + 2?\", \"answer\": 4}\n");
        Files.writeString(dir.resolve("notes.txt"), "not a benchmark");
        List<String> notes = new ArrayList<>();
        BenchmarkIndex index = BenchmarkIndex.load(dir, List.of(), 8, notes);
        assertThat(index.problemsPerBenchmark()).containsExactly(Map.entry("one", 1L), Map.entry("two", 1L));
        assertThat(notes).singleElement().asString().startsWith("decontamination: 1 line(s) of one.jsonl");
        assertThat(BenchmarkIndex.load(dir, List.of("two"), 8, notes).size()).isEqualTo(1);
        assertThatThrownBy(() -> BenchmarkIndex.load(dir, List.of("three"), 8, notes))
                .hasMessageContaining("split.decontaminate.benchmarks");
    }
}
