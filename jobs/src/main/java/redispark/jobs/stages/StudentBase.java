package redispark.jobs.stages;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import redispark.jobs.config.ConfigError;
import redispark.jobs.run.RunDir;
import redispark.jobs.train.TrainSettings;
import redispark.model.TinyStudent;

/**
 * The run's starting student, {@code checkpoints/base}: the embedded tiny student built from a seed, or a copy of a
 * Hugging Face model folder named by {@code student.base}. Made once per run and per {@code student} config.
 */
final class StudentBase {
    static final String DIR = redispark.jobs.eval.EvalTargets.BASE;
    private static final String STAMP = DIR + "/redi-base.stamp";

    private StudentBase() {}

    /** Returns the URI of {@code checkpoints/base}, building it first when missing or made from another config. */
    static String ensure(StageContext context) {
        RunDir run = context.run();
        // The source folder's fingerprint is part of the stamp, so an edited base model is copied again.
        String stamp = context.config().hash("student")
                + ExternalInputs.studentBase(context.config())
                        .map(folder -> " " + run.files().fingerprint(folder))
                        .orElse("");
        if (run.exists(STAMP) && run.files().readText(run.path(STAMP)).equals(stamp)) {
            return run.path(DIR);
        }
        String base = context.config().getString("student.base");
        try {
            Path local = Files.createTempDirectory("redi-base");
            Path folder = local.resolve("base");
            if (base.equals("builtin-tiny")) {
                TinyStudent.write(folder, context.config().getLong("student.seed"));
            } else {
                Path source = Path.of(base);
                if (!Files.isRegularFile(source.resolve("config.json"))) {
                    throw new ConfigError("student.base: no config.json in '" + base
                            + "' (expected builtin-tiny or a Hugging Face model folder)");
                }
                copyTree(source, folder);
            }
            // Evaluating the base with the context and rotary base the student is trained with, as its
            // checkpoints are, lets eval ask for as many new tokens of the base as of the trained models.
            TrainSettings.modelOverrides(context.config()).applyTo(folder.resolve("config.json"));
            Files.writeString(folder.resolve("redi-base.stamp"), stamp);
            run.files().publishDirectory(folder, run.path(DIR));
            return run.path(DIR);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the base student", e);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
