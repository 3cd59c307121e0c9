package redispark.teacher.source;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the shared benchmark files are: system property {@code redi.benchmarks.dir}, else environment
 * variable {@code REDI_BENCHMARKS_DIR}, else the first {@code shared/data/benchmarks} found walking up from
 * the working directory. The files are not in the repository (their licences differ), so tests that need
 * them are skipped when none is found.
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
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("shared").resolve("data").resolve("benchmarks");
      if (Files.isDirectory(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  static String skipMessage() {
    String configured = configured();
    if (configured != null && !configured.isBlank()) {
      return "benchmark dir " + configured + " (from " + PROPERTY + "/" + ENV + ") is not a directory";
    }
    return "benchmark files not found: set -D" + PROPERTY + "=<dir> or " + ENV
        + ", or run below a directory that has shared/data/benchmarks";
  }

  private static String configured() {
    String configured = System.getProperty(PROPERTY);
    return configured == null || configured.isBlank() ? System.getenv(ENV) : configured;
  }
}
