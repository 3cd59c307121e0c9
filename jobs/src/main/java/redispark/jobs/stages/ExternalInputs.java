package redispark.jobs.stages;

import java.util.List;
import java.util.Optional;
import redispark.jobs.config.RediConfig;

/** Paths outside the run directory that stages read: a base model folder, benchmark files. */
final class ExternalInputs {
    private ExternalInputs() {}

    /** The {@code student.base} folder {@link StudentBase} copies, unless it is the built-in tiny student. */
    static Optional<String> studentBase(RediConfig config) {
        String base = config.getString("student.base").strip();
        return base.equals("builtin-tiny") ? Optional.empty() : Optional.of(base);
    }

    static void addIfSet(List<String> files, String path) {
        if (!path.isBlank()) {
            files.add(path.strip());
        }
    }
}
