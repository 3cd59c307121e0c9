package redispark.teacher;

import java.util.Objects;

/**
 * One math problem with its reference answer.
 *
 * @param problemId stable, deterministic id; synthetic problems use {@code <family>-<seed>-<index>}
 * @param problem the problem statement shown to the teacher and the student (ASCII)
 * @param gold the reference answer as bare, canonical LaTeX: {@code 56}, {@code -7},
 *     {@code \frac{3}{4}}, {@code -\frac{3}{4}}
 * @param source where the problem comes from; for synthetic problems the {@link Family#id()}
 * @param difficulty 1 = easiest; for synthetic problems {@code steps + digits - 1}
 */
public record Problem(String problemId, String problem, String gold, String source, int difficulty)
        implements java.io.Serializable {

    public Problem {
        Objects.requireNonNull(problemId, "problemId");
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(gold, "gold");
        Objects.requireNonNull(source, "source");
        if (difficulty < 1) {
            throw new IllegalArgumentException("difficulty must be >= 1, got " + difficulty);
        }
    }
}
