package redispark.teacher;

import java.util.ArrayList;
import java.util.List;

/**
 * Deterministic synthetic math problems. Problem {@code i} depends only on the spec and {@code i},
 * so any slice of indices can be generated independently (e.g. one Spark partition each) and the
 * union equals {@link #generate(ProblemSpec)}.
 */
public final class SyntheticProblems {

    private SyntheticProblems() {}

    /** Problems {@code 0 .. spec.count() - 1}. */
    public static List<Problem> generate(ProblemSpec spec) {
        List<Problem> out = new ArrayList<>(spec.count());
        for (int i = 0; i < spec.count(); i++) {
            out.add(generate(spec, i));
        }
        return out;
    }

    /**
     * Problem number {@code index} of {@code spec}; defined for every {@code index >= 0}, also beyond
     * {@code spec.count()}.
     *
     * <p>Its id is {@code <family id>-<seed>-<index>}, e.g. {@code arithmetic-42-17}. The id does not
     * encode the step/digit knobs: two specs with the same seed but different knobs reuse ids.
     */
    public static Problem generate(ProblemSpec spec, int index) {
        if (index < 0) {
            throw new IllegalArgumentException("index must be >= 0, got " + index);
        }
        List<Family> families = spec.families();
        Family family = families.get(index % families.size());
        Rng rng = Rng.of(spec.seed(), index);
        int hi = Math.min(spec.maxSteps(), family.maxSteps());
        int lo = Math.min(spec.minSteps(), hi);
        int steps = rng.between(lo, hi);
        int digits = rng.between(1, spec.maxDigits());
        Task task = Task.generate(family, rng, steps, digits);
        return new Problem(
                family.id() + "-" + spec.seed() + "-" + index,
                task.render(),
                task.answer().latex(),
                family.id(),
                steps + digits - 1);
    }
}
