package redispark.jobs.stages;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the benchmark JSONL files live: the configured directory, else {@code $REDI_BENCHMARKS_DIR}, else the first
 * {@code shared/data/benchmarks} found walking up from the working directory (the layout of a workspace checkout).
 */
final class BenchmarkDir {
    private BenchmarkDir() {}

    static Path locate(String configured) {
        if (configured != null && !configured.isBlank()) {
            return existing(Path.of(configured), "eval.benchmarks-dir");
        }
        String env = System.getenv("REDI_BENCHMARKS_DIR");
        if (env != null && !env.isBlank()) {
            return existing(Path.of(env), "REDI_BENCHMARKS_DIR");
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared/data/benchmarks");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalArgumentException("benchmark directory not found: set eval.benchmarks-dir or "
                + "REDI_BENCHMARKS_DIR to the folder holding math500.jsonl etc.");
    }

    private static Path existing(Path dir, String origin) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(origin + ": benchmark directory not found: " + dir);
        }
        return dir;
    }
}
