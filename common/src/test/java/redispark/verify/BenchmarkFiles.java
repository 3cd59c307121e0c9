package redispark.verify;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Access to the benchmark JSONL files: the system property {@code redi.benchmarks.dir}, the environment
 * variable {@code REDI_BENCHMARKS_DIR}, or the files shipped with the product.
 */
final class BenchmarkFiles {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One benchmark row reduced to what the verifier needs. */
    record Row(String file, int line, String gold, JsonNode json) {}

    private BenchmarkFiles() {}

    static Path dir() {
        String prop = System.getProperty("redi.benchmarks.dir");
        if (prop != null && !prop.isBlank()) {
            return Paths.get(prop);
        }
        String env = System.getenv("REDI_BENCHMARKS_DIR");
        if (env != null && !env.isBlank()) {
            return Paths.get(env);
        }
        return redispark.teacher.source.ShippedBenchmarks.directory();
    }

    /** The benchmark directory, or skips the calling test with a clear message. */
    static Path requireDir() {
        Path d = dir();
        assumeTrue(
                d != null && Files.isDirectory(d),
                "benchmark folder " + d + " (from -Dredi.benchmarks.dir or REDI_BENCHMARKS_DIR) is not a directory");
        return d;
    }

    static List<Row> rows(String file) {
        Path p = requireDir().resolve(file);
        assumeTrue(Files.isReadable(p), "benchmark file missing: " + p + "; skipping");
        List<Row> out = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(p);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).isBlank()) {
                    continue;
                }
                JsonNode j = JSON.readTree(lines.get(i));
                out.add(new Row(file, i + 1, gold(file, j), j));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Where each benchmark keeps its gold answer (see SOURCES.md next to the data). */
    static String gold(String file, JsonNode j) {
        switch (file) {
            case "math500.jsonl":
            case "aime24.jsonl":
            case "amc23.jsonl":
            case "college_math.jsonl":
            case "gaokao2023en.jsonl":
                return j.get("answer").asText();
            case "gsm8k.jsonl": {
                String a = j.get("answer").asText();
                return a.substring(a.lastIndexOf("####") + 4).strip();
            }
            case "minerva_math.jsonl":
                return j.get("solution").asText(); // the verifier reads the last \boxed of a solution
            case "olympiadbench.jsonl":
                return j.get("final_answer").get(0).asText();
            case "svamp.jsonl":
                return j.get("Answer").asText();
            case "mawps.jsonl":
                return j.get("target").asText();
            case "asdiv.jsonl":
                return j.get("answer").asText().replaceAll("\\s*\\([^()]*\\)\\s*$", "");
            case "aqua.jsonl":
                return j.get("correct").asText();
            case "sat_math.jsonl":
                return j.get("Answer").asText();
            default:
                throw new IllegalArgumentException("unknown benchmark " + file);
        }
    }

    static final List<String> FILES = List.of(
            "math500.jsonl",
            "aime24.jsonl",
            "amc23.jsonl",
            "gsm8k.jsonl",
            "minerva_math.jsonl",
            "olympiadbench.jsonl",
            "college_math.jsonl",
            "gaokao2023en.jsonl",
            "svamp.jsonl",
            "mawps.jsonl",
            "asdiv.jsonl",
            "aqua.jsonl",
            "sat_math.jsonl");
}
