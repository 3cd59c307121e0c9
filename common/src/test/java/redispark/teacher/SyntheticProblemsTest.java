package redispark.teacher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SyntheticProblemsTest {

    private static final Pattern CANONICAL_INT = Pattern.compile("-?(0|[1-9]\\d*)");
    private static final Pattern CANONICAL_FRAC = Pattern.compile("-?\\\\frac\\{([1-9]\\d*)\\}\\{([1-9]\\d*)\\}");

    /** Defaults plus the most extreme knobs the spec accepts. */
    private static final List<ProblemSpec> SPECS = List.of(
            ProblemSpec.defaults(),
            ProblemSpec.defaults().withSeed(7).withSteps(1, 6).withMaxDigits(4).withCount(1000),
            ProblemSpec.defaults().withSeed(-3).withSteps(6, 6).withMaxDigits(4).withCount(500),
            ProblemSpec.defaults().withSeed(11).withSteps(1, 1).withMaxDigits(1).withCount(500));

    @Test
    void sameSeedGivesTheSameProblems() {
        assertThat(SyntheticProblems.generate(ProblemSpec.defaults()))
                .isEqualTo(SyntheticProblems.generate(ProblemSpec.defaults()));
    }

    @Test
    void differentSeedsGiveDifferentProblems() {
        List<Problem> a = SyntheticProblems.generate(ProblemSpec.defaults().withCount(500));
        List<Problem> b =
                SyntheticProblems.generate(ProblemSpec.defaults().withCount(500).withSeed(43));
        int same = 0;
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i).problem().equals(b.get(i).problem())) {
                same++;
            }
        }
        assertThat(same).isLessThan(25);
    }

    @Test
    void problemsAreIndexAddressableInAnyOrder() {
        ProblemSpec spec = ProblemSpec.defaults().withCount(300);
        List<Problem> bulk = SyntheticProblems.generate(spec);
        for (int i = spec.count() - 1; i >= 0; i -= 7) {
            assertThat(SyntheticProblems.generate(spec, i)).isEqualTo(bulk.get(i));
        }
        // beyond count is defined too, and is what a larger count would produce
        assertThat(SyntheticProblems.generate(spec, 450))
                .isEqualTo(SyntheticProblems.generate(spec.withCount(451)).get(450));
    }

    @Test
    void idsAreFamilySeedIndexAndUnique() {
        List<Problem> ps = SyntheticProblems.generate(ProblemSpec.defaults());
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < ps.size(); i++) {
            Problem p = ps.get(i);
            assertThat(p.problemId()).isEqualTo(p.source() + "-42-" + i);
            ids.add(p.problemId());
        }
        assertThat(ids).hasSize(ps.size());
    }

    @Test
    void familiesAreUsedRoundRobinAndSourceIsTheFamilyId() {
        List<Family> fams = List.of(Family.PERCENT, Family.FRACTIONS);
        List<Problem> ps = SyntheticProblems.generate(
                ProblemSpec.defaults().withFamilies(fams).withCount(10));
        for (int i = 0; i < ps.size(); i++) {
            assertThat(ps.get(i).source()).isEqualTo(fams.get(i % 2).id());
        }
        Set<String> all = new HashSet<>();
        SyntheticProblems.generate(ProblemSpec.defaults().withCount(50)).forEach(p -> all.add(p.source()));
        assertThat(all).containsExactlyInAnyOrder("arithmetic", "fractions", "linear_equation", "percent", "sequence");
        assertThat(Family.fromSource("linear_equation")).contains(Family.LINEAR_EQUATION);
        assertThat(Family.fromSource("olympiads")).isEmpty();
    }

    @Test
    void everyGoldIsReducedCanonicalLatex() {
        for (ProblemSpec spec : SPECS) {
            for (Problem p : SyntheticProblems.generate(spec)) {
                String g = p.gold();
                Matcher f = CANONICAL_FRAC.matcher(g);
                if (f.matches()) {
                    BigInteger n = new BigInteger(f.group(1));
                    BigInteger d = new BigInteger(f.group(2));
                    assertThat(n.gcd(d)).as("reduced gold %s of %s", g, p).isEqualTo(BigInteger.ONE);
                    assertThat(d).as("denominator of %s", g).isGreaterThan(BigInteger.ONE);
                } else {
                    assertThat(g).as("gold of %s", p).matches(CANONICAL_INT);
                    assertThat(g).isNotEqualTo("-0");
                }
            }
        }
    }

    @Test
    void goldsIncludeNegativesFractionsAndIntegers() {
        List<Problem> ps = SyntheticProblems.generate(ProblemSpec.defaults());
        assertThat(ps).anyMatch(p -> p.source().equals("fractions") && p.gold().startsWith("-\\frac"));
        assertThat(ps)
                .anyMatch(p -> p.source().equals("fractions")
                        && CANONICAL_INT.matcher(p.gold()).matches());
        assertThat(ps)
                .anyMatch(p -> p.source().equals("linear_equation") && p.gold().contains("\\frac"));
        assertThat(ps)
                .anyMatch(p -> p.source().equals("linear_equation")
                        && CANONICAL_INT.matcher(p.gold()).matches());
        assertThat(ps).anyMatch(p -> p.source().equals("arithmetic") && p.gold().startsWith("-"));
        assertThat(ps)
                .filteredOn(p -> p.source().equals("percent"))
                .allMatch(p -> CANONICAL_INT.matcher(p.gold()).matches());
    }

    @Test
    void goldEqualsAnIndependentSolutionOfTheProblemText() {
        for (ProblemSpec spec : SPECS) {
            for (Problem p : SyntheticProblems.generate(spec)) {
                assertThat(Frac.answer(p.gold())).as("gold of %s", p).isEqualTo(IndependentSolver.solve(p));
            }
        }
    }

    @Test
    void problemTextParsesBackToTheSameProblem() {
        for (ProblemSpec spec : SPECS) {
            for (Problem p : SyntheticProblems.generate(spec)) {
                Task t = BuiltInTeacher.parse(p);
                assertThat(t.render()).isEqualTo(p.problem());
                assertThat(t.answer().latex()).isEqualTo(p.gold());
            }
        }
    }

    @Test
    void problemsAreShortPrintableAscii() {
        for (ProblemSpec spec : SPECS) {
            for (Problem p : SyntheticProblems.generate(spec)) {
                assertThat(p.problem().length()).as(p.problem()).isLessThan(120);
                assertThat(p.problem().chars().allMatch(c -> c >= 32 && c <= 126))
                        .as(p.problem())
                        .isTrue();
                assertThat(p.gold().chars().allMatch(c -> c >= 32 && c <= 126)).isTrue();
            }
        }
    }

    @Test
    void difficultyIsStepsPlusDigitsMinusOne() {
        ProblemSpec fixed =
                ProblemSpec.defaults().withSteps(2, 2).withMaxDigits(1).withCount(50);
        assertThat(SyntheticProblems.generate(fixed)).allMatch(p -> p.difficulty() == 2);

        TreeMap<Integer, Integer> histogram = new TreeMap<>();
        SyntheticProblems.generate(ProblemSpec.defaults())
                .forEach(p -> histogram.merge(p.difficulty(), 1, Integer::sum));
        assertThat(histogram.keySet()).containsExactly(1, 2, 3, 4, 5);
        assertThat(histogram.get(3)).isGreaterThan(histogram.get(1)); // sum of two uniform knobs peaks in the middle
    }

    @Test
    void moreStepsMeanLongerSolutions() {
        ProblemSpec one =
                ProblemSpec.defaults().withSteps(1, 1).withMaxDigits(1).withCount(500);
        ProblemSpec three =
                ProblemSpec.defaults().withSteps(3, 3).withMaxDigits(1).withCount(500);
        assertThat(meanCleanLines(three)).isGreaterThan(meanCleanLines(one) + 1.5);
    }

    @Test
    void stepsAboveAFamilyCapAreCapped() {
        ProblemSpec spec = new ProblemSpec(List.of(Family.LINEAR_EQUATION), 20, 5, 6, 1, 1);
        for (Problem p : SyntheticProblems.generate(spec)) {
            assertThat(p.difficulty()).isEqualTo(Family.LINEAR_EQUATION.maxSteps());
            assertThat(p.problem()).contains("(x");
        }
    }

    @Test
    void specRejectsKnobsOutOfRangeNamingTheKnob() {
        List<Family> all = List.of(Family.values());
        assertThatThrownBy(() -> new ProblemSpec(List.of(), 1, 1, 1, 1, 0)).hasMessageContaining("families");
        assertThatThrownBy(() -> new ProblemSpec(List.of(Family.PERCENT, Family.PERCENT), 1, 1, 1, 1, 0))
                .hasMessageContaining("families");
        assertThatThrownBy(() -> new ProblemSpec(all, -1, 1, 1, 1, 0)).hasMessageContaining("count");
        assertThatThrownBy(() -> new ProblemSpec(all, 1, 0, 1, 1, 0)).hasMessageContaining("minSteps");
        assertThatThrownBy(() -> new ProblemSpec(all, 1, 3, 2, 1, 0)).hasMessageContaining("maxSteps");
        assertThatThrownBy(() -> new ProblemSpec(all, 1, 1, 7, 1, 0)).hasMessageContaining("maxSteps");
        assertThatThrownBy(() -> new ProblemSpec(all, 1, 1, 1, 5, 0)).hasMessageContaining("maxDigits");
        assertThatThrownBy(() -> SyntheticProblems.generate(ProblemSpec.defaults(), -1))
                .hasMessageContaining("index");
    }

    @Test
    void defaultsCoverEveryFamily() {
        assertThat(EnumSet.copyOf(ProblemSpec.defaults().families())).isEqualTo(EnumSet.allOf(Family.class));
        assertThat(Family.values()).hasSizeGreaterThanOrEqualTo(4);
    }

    private static double meanCleanLines(ProblemSpec spec) {
        List<Integer> lines = new ArrayList<>();
        for (Problem p : SyntheticProblems.generate(spec)) {
            lines.add(BuiltInTeacher.cleanThinking(p).split("\n").length);
        }
        return lines.stream().mapToInt(Integer::intValue).average().orElseThrow();
    }
}
