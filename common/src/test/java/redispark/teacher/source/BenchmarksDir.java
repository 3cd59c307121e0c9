package redispark.teacher.source;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the benchmark files are: system property {@code redi.benchmarks.dir}, else environment variable
 * {@code REDI_BENCHMARKS_DIR}, else the files shipped with the product ({@link ShippedBenchmarks}).
 */
final class BenchmarksDir {

    static final String PROPERTY = "redi.benchmarks.dir";
    static final String ENV = "REDI_BENCHMARKS_DIR";

    private BenchmarksDir() {}

    static Optional<Path> find() {
        String configured = configured();
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured);
            return Files.isDirectory(p) ? Optional.of(p) : Optional.empty();
        }
        return Optional.of(ShippedBenchmarks.directory());
    }

    static String skipMessage() {
        String configured = configured();
        if (configured != null && !configured.isBlank()) {
            return "benchmark dir " + configured + " (from " + PROPERTY + "/" + ENV + ") is not a directory";
        }
        return "the shipped benchmark files could not be unpacked";
    }

    private static String configured() {
        String configured = System.getProperty(PROPERTY);
        return configured == null || configured.isBlank() ? System.getenv(ENV) : configured;
    }
}
