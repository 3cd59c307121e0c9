package redispark.teacher;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import redispark.verify.Rational;

/**
 * A built-in teacher for the {@link Family synthetic families}: it parses the problem, solves it
 * line by line and makes realistic, configurable mistakes ({@link ErrorModel}).
 *
 * <p>A complete sample looks like
 *
 * <pre>
 * &lt;think&gt;
 * 12 * 3 = 36
 * 23 + 45 = 68
 * 68 - 36 = 32
 * &lt;/think&gt;
 * The final answer is \boxed{32}.
 * </pre>
 *
 * A truncated sample is cut inside the thinking part (no {@code </think>}, no {@code \boxed}) and
 * has {@code finishReason = "length"}. Samples are ASCII and deterministic given {@code (problem,
 * sampleIdx, seed)}; sample {@code i} does not depend on how many samples are requested. A problem
 * that is not in a built-in phrasing yields samples with an {@code error} and empty text.
 */
public final class BuiltInTeacher implements Teacher {

    /** The {@link #name()} of this teacher. */
    public static final String NAME = "builtin";

    static final String THINK_OPEN = "<think>\n";
    static final String THINK_CLOSE = "</think>\n";
    static final String ANSWER_LEAD = "The final answer is ";

    private final ErrorModel model;

    public BuiltInTeacher(ErrorModel model) {
        this.model = Objects.requireNonNull(model, "model");
    }

    /** A teacher with {@link ErrorModel#defaults()}. */
    public BuiltInTeacher() {
        this(ErrorModel.defaults());
    }

    public ErrorModel errorModel() {
        return model;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<TeacherSample> sample(Problem problem, int n, long seed) {
        List<SampleTrace> traces = traces(problem, n, seed);
        List<TeacherSample> out = new ArrayList<>(traces.size());
        for (SampleTrace t : traces) {
            out.add(t.sample());
        }
        return out;
    }

    /** Like {@link #sample} but with the teacher's intent (debug and test view). */
    public List<SampleTrace> traces(Problem problem, int n, long seed) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, got " + n);
        }
        List<SampleTrace> out = new ArrayList<>(n);
        Task task;
        Rational answer;
        try {
            task = parse(problem);
            answer = task.answer();
        } catch (IllegalArgumentException | ArithmeticException e) {
            for (int i = 0; i < n; i++) {
                out.add(failed(i, e));
            }
            return out;
        }
        long base = baseSeed(problem, seed);
        for (int i = 0; i < n; i++) {
            try {
                out.add(write(task, answer, problem.difficulty(), base, i));
            } catch (ArithmeticException e) { // a slip pushed a value out of range; never seen in practice
                out.add(failed(i, e));
            }
        }
        return out;
    }

    /** Sample number {@code sampleIdx} alone (equal to {@code traces(problem, n, seed).get(i)}). */
    public SampleTrace trace(Problem problem, int sampleIdx, long seed) {
        if (sampleIdx < 0) {
            throw new IllegalArgumentException("sampleIdx must be >= 0, got " + sampleIdx);
        }
        try {
            Task task = parse(problem);
            return write(task, task.answer(), problem.difficulty(), baseSeed(problem, seed), sampleIdx);
        } catch (IllegalArgumentException | ArithmeticException e) {
            return failed(sampleIdx, e);
        }
    }

    /**
     * The exact probability that a sample of {@code problem} is intended correct: {@code (1 -
     * truncationRate)} times the probability that no step of the clean solution slips (each step's
     * chance from p(difficulty) and the slip weights that apply there). 0 for problems this teacher
     * cannot parse.
     */
    public double expectedCorrectRate(Problem problem) {
        try {
            Scratch counting = Scratch.counting(model.slipProbability(problem.difficulty()), model);
            parse(problem).solve(counting);
            return (1 - model.truncationRate()) * counting.survival();
        } catch (IllegalArgumentException | ArithmeticException e) {
            return 0;
        }
    }

    /** The slip-free reasoning lines for {@code problem} (what a perfect teacher thinks). */
    static String cleanThinking(Problem problem) {
        Scratch clean = Scratch.clean();
        parse(problem).solve(clean);
        return clean.text();
    }

    static Task parse(Problem problem) {
        Family family = Family.fromSource(problem.source())
                .orElseThrow(() -> new IllegalArgumentException("not a built-in family: " + problem.source()));
        return Task.parse(family, problem.problem());
    }

    private static long baseSeed(Problem problem, long seed) {
        return Rng.of(seed, Rng.hash(problem.problemId()), Rng.hash(problem.problem()))
                .nextLong();
    }

    private static SampleTrace failed(int sampleIdx, Exception e) {
        String why = e instanceof ArithmeticException ? "arithmetic failure: " : "unsupported problem: ";
        TeacherSample s = TeacherSample.failed(sampleIdx, why + e.getMessage());
        return new SampleTrace(s, null, false, List.of(), false, AnswerStyle.BOXED);
    }

    private SampleTrace write(Task task, Rational answer, int difficulty, long base, int idx) {
        Rng slipRng = Rng.of(base, idx, 1);
        Rng formatRng = Rng.of(base, idx, 2);
        Scratch w = Scratch.noisy(slipRng, model.slipProbability(difficulty), model);
        Rational value = task.solve(w);
        List<Slip> slips = new ArrayList<>(w.slips());
        if (!slips.isEmpty() && value.equals(answer)) {
            // two slips cancelled out: the final copy slips too, so a slipped trace is always wrong
            value = Rational.of(value.numerator() + (slipRng.coin() ? 1 : -1), value.denominator());
            slips.add(Slip.OFF_BY_ONE);
        }
        boolean truncated = formatRng.chance(model.truncationRate());
        AnswerStyle style = AnswerStyle.BOXED;
        if (!truncated && formatRng.chance(model.formatVarietyRate())) {
            style = pickStyle(formatRng, value, task instanceof LinearTask);
        }
        String thinking = w.text();
        StringBuilder sb = new StringBuilder(THINK_OPEN.length() + thinking.length() + 48);
        sb.append(THINK_OPEN).append(thinking);
        String text;
        if (truncated) {
            int cut = formatRng.between(THINK_OPEN.length() + 1, sb.length() - 1);
            text = sb.substring(0, cut);
        } else {
            sb.append(THINK_CLOSE);
            appendAnswer(sb, value, style);
            text = sb.toString();
        }
        TeacherSample sample = new TeacherSample(
                idx, text, truncated ? TeacherSample.LENGTH : TeacherSample.STOP, text.length(), null);
        boolean correct = !truncated && slips.isEmpty();
        return new SampleTrace(sample, value.latex(), correct, slips, truncated, style);
    }

    private static AnswerStyle pickStyle(Rng rng, Rational v, boolean equation) {
        AnswerStyle[] options = new AnswerStyle[4];
        int k = 0;
        options[k++] = AnswerStyle.DOLLARS;
        if (!v.isInteger()) {
            options[k++] = AnswerStyle.DFRAC;
            if (v.decimal(4) != null) {
                options[k++] = AnswerStyle.DECIMAL;
            }
        } else if (v.numerator() >= 0 && v.numerator() <= 9) {
            options[k++] = AnswerStyle.BARE_BOXED;
        }
        if (equation) {
            options[k++] = AnswerStyle.EQUATION;
        }
        return options[rng.nextInt(k)];
    }

    private static void appendAnswer(StringBuilder sb, Rational v, AnswerStyle style) {
        sb.append(ANSWER_LEAD);
        switch (style) {
            case BOXED -> sb.append("\\boxed{").append(v.latex()).append("}.");
            case DFRAC -> sb.append("\\boxed{").append(v.latex("\\dfrac")).append("}.");
            case DECIMAL -> sb.append("\\boxed{").append(v.decimal(4)).append("}.");
            case EQUATION -> sb.append("\\boxed{x = ").append(v.latex()).append("}.");
            case BARE_BOXED -> sb.append("\\boxed ").append(v.numerator());
            case DOLLARS -> sb.append("$\\boxed{").append(v.latex()).append("}$.");
        }
    }
}
