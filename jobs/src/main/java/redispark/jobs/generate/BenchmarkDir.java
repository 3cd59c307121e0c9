package redispark.jobs.generate;

import java.nio.file.Files;
import java.nio.file.Path;
import redispark.jobs.run.HadoopFiles;

/**
 * Where the benchmark JSONL files are: the configured folder, else {@code -Dredi.benchmarks.dir}, else
 * {@code $REDI_BENCHMARKS_DIR}, else the first {@code shared/data/benchmarks} above the working directory. Used by
 * problem sources and by evaluation alike.
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
        return find().orElseThrow(() -> new IllegalArgumentException(key + ": not set, "
                + "REDI_BENCHMARKS_DIR not set, and no shared/data/benchmarks above "
                + Path.of("").toAbsolutePath()));
    }

    /** {@code -Dredi.benchmarks.dir}, {@code $REDI_BENCHMARKS_DIR}, or shared/data/benchmarks walking up. */
    public static java.util.Optional<Path> find() {
        String env = System.getProperty("redi.benchmarks.dir");
        if (env == null || env.isBlank()) {
            env = System.getenv("REDI_BENCHMARKS_DIR");
        }
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            return Files.isDirectory(p) ? java.util.Optional.of(p) : java.util.Optional.empty();
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path candidate = d.resolve("shared").resolve("data").resolve("benchmarks");
            if (Files.isDirectory(candidate)) {
                return java.util.Optional.of(candidate);
            }
        }
        return java.util.Optional.empty();
    }
}
