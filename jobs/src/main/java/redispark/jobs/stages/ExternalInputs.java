package redispark.jobs.stages;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import redispark.jobs.config.RediConfig;
import redispark.jobs.generate.BenchmarkDir;
import redispark.teacher.source.Benchmark;

/**
 * Files outside the run directory that a stage reads, as named by the config: the problem table, the OpenR1 import,
 * a local teacher's model, benchmark JSONL files and a {@code student.base} folder. {@link StageRunner} fingerprints
 * them next to the run-directory inputs, so editing one of them reruns the stage that reads it and, through the
 * tables it rewrites, exactly the stages downstream. A path that cannot be resolved is left out: the stage itself
 * then fails with its own one-line error.
 */
final class ExternalInputs {
    private ExternalInputs() {}

    /** Absolute paths or URIs read by the stage called {@code stage} under {@code config}. */
    static List<String> of(String stage, RediConfig config) {
        return switch (stage) {
            case "generate" -> generate(config);
            case "split" -> studentBase(config).stream().toList();
            case "eval" ->
                benchmarkFiles(
                        config.getString("eval.benchmarks-dir"),
                        config.getStringList("eval.benchmarks").stream()
                                .filter(name -> !name.equals(EvalStage.BENCHMARK))
                                .toList());
            default -> List.of();
        };
    }

    /** The {@code student.base} folder {@link StudentBase} copies, unless it is the built-in tiny student. */
    static Optional<String> studentBase(RediConfig config) {
        String base = config.getString("student.base").strip();
        return base.equals("builtin-tiny") ? Optional.empty() : Optional.of(base);
    }

    private static List<String> generate(RediConfig config) {
        List<String> files = new ArrayList<>();
        String kind = config.getString("teacher.kind").strip().toLowerCase(Locale.ROOT);
        if (kind.equals("openr1")) {
            // The import brings its own problems; problems.source is not read.
            addIfSet(files, config.getString("teacher.openr1.path"));
            return files;
        }
        if (kind.equals("local")) {
            addIfSet(files, config.getString("teacher.local.model-dir"));
        }
        switch (config.getString("problems.source").strip().toLowerCase(Locale.ROOT)) {
            case "table" -> addIfSet(files, config.getString("problems.table.path"));
            case "benchmark" ->
                files.addAll(benchmarkFiles(
                        config.getString("problems.benchmark.dir"), config.getStringList("problems.benchmark.names")));
            default -> {}
        }
        return files;
    }

    /** The JSONL file of each named benchmark in the configured folder (or the auto-located one). */
    private static List<String> benchmarkFiles(String configuredDir, List<String> names) {
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

    private static void addIfSet(List<String> files, String path) {
        if (!path.isBlank()) {
            files.add(path.strip());
        }
    }
}
