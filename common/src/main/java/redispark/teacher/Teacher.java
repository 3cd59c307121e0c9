package redispark.teacher;

import java.util.List;

/** Something that writes reasoning traces for problems: built-in, OpenAI-compatible or local. */
public interface Teacher {

    /** A short name recorded with every sample (e.g. {@code "builtin"}). */
    String name();

    /**
     * Writes {@code n} completions for {@code problem}, indexed 0..n-1.
     *
     * <p>Implementations should be deterministic given {@code (problem, n, seed)} where they can.
     */
    List<TeacherSample> sample(Problem problem, int n, long seed);
}
