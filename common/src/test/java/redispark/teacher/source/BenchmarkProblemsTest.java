package redispark.teacher.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import redispark.teacher.Problem;
import redispark.teacher.source.JsonlProblems.BadRow;

class BenchmarkProblemsTest {

    private static Path dir() {
        var dir = BenchmarksDir.find();
        assumeTrue(dir.isPresent(), BenchmarksDir::skipMessage);
        return dir.get();
    }

    private static Map<String, Problem> byId(ReadResult r) {
        return r.problems().stream().collect(Collectors.toMap(Problem::problemId, Function.identity()));
    }

    // ---- the shared files ------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}: {1} problems")
    @CsvSource({
        "math500, 500",
        "aime24, 30",
        "amc23, 40",
        "gsm8k, 1319",
        "minerva_math, 272",
        "olympiadbench, 675",
        "college_math, 2818",
        "svamp, 1000",
        "asdiv, 2215",
        "mawps, 2065",
        "aqua, 254",
        "sat_math, 32",
    })
    void readsEveryRowOfTheBenchmarkWithoutRejects(String id, int rows) throws Exception {
        Benchmark b = Benchmark.fromId(id);
        ReadResult r = BenchmarkProblems.fromDir(dir(), b);

        assertThat(r.rejects()).isEmpty();
        assertThat(r.problems()).hasSize(rows);
        Set<String> ids = new HashSet<>();
        for (Problem p : r.problems()) {
            assertThat(p.source()).isEqualTo(id);
            assertThat(p.problemId()).startsWith(id + "-");
            assertThat(ids.add(p.problemId())).as("unique id %s", p.problemId()).isTrue();
            assertThat(p.problem()).isNotBlank();
            assertThat(p.gold()).isNotBlank().isEqualTo(p.gold().strip());
            if (b.multipleChoice()) {
                assertThat(p.gold()).matches("[A-E]");
                assertThat(p.problem()).contains("\nAnswer Choices: (A) ", " (B) ");
            }
        }
    }

    @Test
    void gaokaoRowsWithEmptyAnswersAreRejectedNotDropped() throws Exception {
        ReadResult r = BenchmarkProblems.fromDir(dir(), Benchmark.GAOKAO2023EN);

        assertThat(r.problems()).hasSize(383);
        assertThat(r.rejects()).extracting(Reject::lineNumber).containsExactly(168L, 193L);
        assertThat(r.rejects()).allSatisfy(j -> assertThat(j.reason()).isEqualTo("field \"answer\" is blank"));
        // Line-index ids: the rows after a reject keep their line's index.
        assertThat(byId(r)).containsKey("gaokao2023en-168").doesNotContainKey("gaokao2023en-167");
    }

    @Test
    void takesGoldWhereEachBenchmarkKeepsIt() throws Exception {
        Path dir = dir();
        Problem math = byId(BenchmarkProblems.fromDir(dir, Benchmark.MATH500)).get("math500-test/precalculus/807.json");
        assertThat(math.gold()).isEqualTo("\\left( 3, \\frac{\\pi}{2} \\right)");
        assertThat(math.difficulty()).isEqualTo(2);

        assertThat(byId(BenchmarkProblems.fromDir(dir, Benchmark.AIME24))
                        .get("aime24-60")
                        .gold())
                .isEqualTo("204");
        // amc23 stores floats: 27.0 is the integer 27.
        assertThat(byId(BenchmarkProblems.fromDir(dir, Benchmark.AMC23))
                        .get("amc23-0")
                        .gold())
                .isEqualTo("27");

        Map<String, Problem> gsm = byId(BenchmarkProblems.fromDir(dir, Benchmark.GSM8K));
        assertThat(gsm.get("gsm8k-0").gold()).isEqualTo("18");
        assertThat(gsm.get("gsm8k-146").gold()).isEqualTo("2125");

        assertThat(byId(BenchmarkProblems.fromDir(dir, Benchmark.MINERVA_MATH))
                        .get("minerva_math-0")
                        .gold())
                .isEqualTo("1.6");
        assertThat(byId(BenchmarkProblems.fromDir(dir, Benchmark.OLYMPIADBENCH))
                        .get("olympiadbench-1610")
                        .gold())
                .isEqualTo("\\frac{1}{2 n+2}");
    }

    @Test
    void math500DifficultyIsTheMathLevel() throws Exception {
        ReadResult r = BenchmarkProblems.fromDir(dir(), Benchmark.MATH500);
        assertThat(r.problems()).extracting(Problem::difficulty).containsOnly(1, 2, 3, 4, 5);
    }

    // ---- per-benchmark extraction, no files needed -----------------------------------------------------

    @Test
    void lastBoxedMatchesNestedAndEscapedBraces() throws Exception {
        assertThat(BenchmarkProblems.lastBoxed("so \\boxed{1} then \\boxed{\\frac{a}{b}} m", "s"))
                .isEqualTo("\\frac{a}{b}");
        assertThat(BenchmarkProblems.lastBoxed("\\boxed{\\{1, 2\\}}", "s")).isEqualTo("\\{1, 2\\}");
        assertThat(BenchmarkProblems.lastBoxed("\\boxed {7 \\mathrm{~cm}}.", "s"))
                .isEqualTo("7 \\mathrm{~cm}");
        assertThat(BenchmarkProblems.lastBoxed("\\fbox{3}", "s")).isEqualTo("3");
    }

    @Test
    void lastBoxedRejectsMissingEmptyAndUnbalancedBoxes() {
        assertThatThrownBy(() -> BenchmarkProblems.lastBoxed("no answer", "solution"))
                .isInstanceOf(BadRow.class)
                .hasMessage("no \\boxed{...} in field \"solution\"");
        assertThatThrownBy(() -> BenchmarkProblems.lastBoxed("\\boxed{}", "solution"))
                .hasMessageContaining("blank");
        assertThatThrownBy(() -> BenchmarkProblems.lastBoxed("\\boxed{\\frac{1}{2}", "solution"))
                .hasMessageContaining("unbalanced");
        assertThatThrownBy(() -> BenchmarkProblems.lastBoxed("\\boxed 5", "solution"))
                .hasMessageContaining("argument");
    }

    @Test
    void gsm8kGoldIsAfterTheLastMarkerWithoutThousandsSeparators() throws Exception {
        assertThat(BenchmarkProblems.gsm8kGold("3 * 4 = 12\n#### 12")).isEqualTo("12");
        assertThat(BenchmarkProblems.gsm8kGold("...\n#### 114,200")).isEqualTo("114200");
        assertThat(BenchmarkProblems.gsm8kGold("...\n#### -1,000.5")).isEqualTo("-1000.5");
        // Not a thousands pattern: left as written for the verifier.
        assertThat(BenchmarkProblems.gsm8kGold("#### 1,2")).isEqualTo("1,2");
        assertThatThrownBy(() -> BenchmarkProblems.gsm8kGold("12")).hasMessageContaining("####");
        assertThatThrownBy(() -> BenchmarkProblems.gsm8kGold("#### ")).hasMessageContaining("blank");
    }

    @Test
    void satOptionsAreLetteredInOrderLeavingParenthesesInFormulasAlone() throws Exception {
        assertThat(BenchmarkProblems.satOptions("A) $f(A)=0$ B) $g(B) + 1$ C) 3 D) 4"))
                .isEqualTo("(A) $f(A)=0$ (B) $g(B) + 1$ (C) 3 (D) 4");
        assertThat(BenchmarkProblems.satOptions("A. 1,190 B. 1,900 C. 2,900 D. 19,000"))
                .isEqualTo("(A) 1,190 (B) 1,900 (C) 2,900 (D) 19,000");
        assertThatThrownBy(() -> BenchmarkProblems.satOptions("1) a 2) b")).hasMessageContaining("options");
    }

    @Test
    void unknownBenchmarkNamesTheKnownOnes() {
        assertThatThrownBy(() -> Benchmark.fromId("math5000"))
                .hasMessageContaining("math5000")
                .hasMessageContaining("math500, aime24");
        assertThat(Benchmark.fromId(" MATH500 ")).isEqualTo(Benchmark.MATH500);
        assertThat(List.of(Benchmark.values())).extracting(Benchmark::fileName).contains("minerva_math.jsonl");
    }
}
