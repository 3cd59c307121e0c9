package redispark.jobs.stages;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import redispark.jobs.config.RediConfig;
import redispark.jobs.generate.BenchmarkDir;
import redispark.teacher.source.Benchmark;

/** Paths outside the run directory that stages read: a base model folder, benchmark files. */
final class ExternalInputs {
    private ExternalInputs() {}

    /** The {@code student.base} folder {@link StudentBase} copies, unless it is the built-in tiny student. */
    static Optional<String> studentBase(RediConfig config) {
        String base = config.getString("student.base").strip();
        return base.equals("builtin-tiny") ? Optional.empty() : Optional.of(base);
    }

    /** The JSONL file of each named benchmark in the configured folder (or the auto-located one). */
    static List<String> benchmarkFiles(String configuredDir, List<String> names) {
        String dir = configuredDir.strip();
        if (dir.isEmpty()) {
            Optional<java.nio.file.Path> found = BenchmarkDir.find();
            if (found.isEmpty()) {
                return List.of();
            }
            dir = found.get().toAbsolutePath().toString();
        }
        List<String> files = new ArrayList<>();
        for (String name : names) {
            try {
                files.add(
                        dir.replaceAll("/+$", "") + "/" + Benchmark.fromId(name).fileName());
            } catch (IllegalArgumentException unknown) {
                // An unknown id is the stage's own error to report.
            }
        }
        return files;
    }

    static void addIfSet(List<String> files, String path) {
        if (!path.isBlank()) {
            files.add(path.strip());
        }
    }
}
