package redispark.jobs.generate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import redispark.jobs.run.HadoopFiles;
import redispark.teacher.source.Benchmark;
import redispark.teacher.source.ShippedBenchmarks;

/**
 * Where the benchmark JSONL files are: the configured folder, else {@code -Dredi.benchmarks.dir}, else
 * {@code $REDI_BENCHMARKS_DIR}, else the files that ship with the product ({@link ShippedBenchmarks}). Used by
 * problem sources, decontamination and evaluation alike.
 */
public final class BenchmarkDir {
    private BenchmarkDir() {}

    public static Path resolve(String configured, String key, HadoopFiles files) {
        if (!configured.isEmpty()) {
            Path dir = files.localDirectory(configured);
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException(key + ": '" + configured + "' is not a directory");
            }
            return dir;
        }
        return find().orElseThrow(() -> new IllegalArgumentException(key + ": not set, and REDI_BENCHMARKS_DIR ("
                + System.getenv("REDI_BENCHMARKS_DIR") + ") is not a directory"));
    }

    /**
     * {@code -Dredi.benchmarks.dir} or {@code $REDI_BENCHMARKS_DIR} when set (empty when that is not a folder), else
     * the shipped files.
     */
    public static java.util.Optional<Path> find() {
        String env = System.getProperty("redi.benchmarks.dir");
        if (env == null || env.isBlank()) {
            env = System.getenv("REDI_BENCHMARKS_DIR");
        }
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            return Files.isDirectory(p) ? java.util.Optional.of(p) : java.util.Optional.empty();
        }
        return java.util.Optional.of(ShippedBenchmarks.directory());
    }

    /** The JSONL file of each named benchmark in the configured folder (or the auto-located one). */
    public static List<String> files(String configuredDir, List<String> names) {
        String dir = configuredDir.strip();
        if (dir.isEmpty()) {
            java.util.Optional<Path> found = find();
            if (found.isEmpty()) {
                return List.of();
            }
            dir = found.get().toAbsolutePath().toString();
        }
        List<String> files = new java.util.ArrayList<>();
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
}
