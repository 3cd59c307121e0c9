package redispark.teacher.source;

import java.util.List;
import java.util.Objects;
import redispark.teacher.Problem;

/**
 * What a problem table yielded: the problems in file order, and every line that was not used, with why.
 * Nothing is dropped silently; callers decide whether rejects are fatal.
 *
 * @param problems the good lines, in file order
 * @param rejects the bad lines, in file order
 */
public record ReadResult(List<Problem> problems, List<Reject> rejects) {

    public ReadResult {
        problems = List.copyOf(Objects.requireNonNull(problems, "problems"));
        rejects = List.copyOf(Objects.requireNonNull(rejects, "rejects"));
    }

    /** Lines read, good and bad. */
    public long lines() {
        return (long) problems.size() + rejects.size();
    }
}
