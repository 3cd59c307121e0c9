package redispark.teacher.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShippedBenchmarksTest {

    @Test
    void theShippedFilesUnpackOnceIntoOneStableFolder(@TempDir Path tmp) throws Exception {
        Path first = ShippedBenchmarks.unpack(tmp);
        Path again = ShippedBenchmarks.unpack(tmp);
        assertThat(again).isEqualTo(first);
        try (var listing = Files.list(tmp)) {
            assertThat(listing.toList()).containsExactly(first); // no temporary folder left behind
        }
        assertThat(ShippedBenchmarks.names())
                .contains(
                        "SOURCES.md",
                        "math500.jsonl",
                        "aime24.jsonl",
                        "amc23.jsonl",
                        "minerva_math.jsonl",
                        "olympiadbench.jsonl",
                        "gsm8k.jsonl");
        for (String name : ShippedBenchmarks.names()) {
            Path f = first.resolve(name);
            assertThat(f).isRegularFile();
            assertThat(Files.getLastModifiedTime(f).toMillis()).isZero(); // stable rerun fingerprints
        }
        try (var lines = Files.lines(first.resolve("math500.jsonl"))) {
            assertThat(lines.filter(l -> !l.isBlank()).count()).isEqualTo(500);
        }
    }

    @Test
    void everyKnownBenchmarkIsShippedAndReadable() throws Exception {
        Path dir = ShippedBenchmarks.directory();
        for (Benchmark b : Benchmark.values()) {
            assertThat(dir.resolve(b.fileName())).as(b.fileName()).isRegularFile();
        }
        assertThat(BenchmarkProblems.fromDir(dir, Benchmark.fromId("math500")).problems())
                .hasSize(500);
    }
}
