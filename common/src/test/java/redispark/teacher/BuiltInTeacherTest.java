package redispark.teacher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BuiltInTeacherTest {

    private static final int SAMPLES = 4;
    private static final long SEED = 1;
    private static final BuiltInTeacher TEACHER = new BuiltInTeacher();

    /** 2,000 default problems with 4 default-teacher samples each (8,000 samples). */
    private static List<Problem> problems;

    private static List<List<SampleTrace>> traces;
    private static List<SampleTrace> all;

    @BeforeAll
    static void sampleTheDefaults() {
        problems = SyntheticProblems.generate(ProblemSpec.defaults());
        traces = new ArrayList<>();
        all = new ArrayList<>();
        for (Problem p : problems) {
            List<SampleTrace> ts = TEACHER.traces(p, SAMPLES, SEED);
            traces.add(ts);
            all.addAll(ts);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Contract and determinism

    @Test
    void samplesAreNumberedCountedAndErrorFree() {
        assertThat(TEACHER.name()).isEqualTo("builtin");
        List<TeacherSample> samples = TEACHER.sample(problems.get(0), 6, SEED);
        assertThat(samples).hasSize(6);
        for (int i = 0; i < samples.size(); i++) {
            TeacherSample s = samples.get(i);
            assertThat(s.sampleIdx()).isEqualTo(i);
            assertThat(s.completionChars()).isEqualTo(s.text().length());
            assertThat(s.error()).isNull();
            assertThat(s.finishReason()).isIn("stop", "length");
        }
        assertThat(TEACHER.sample(problems.get(0), 0, SEED)).isEmpty();
    }

    @Test
    void sameSeedGivesTheSameTraces() {
        BuiltInTeacher other = new BuiltInTeacher(ErrorModel.defaults());
        for (int i = 0; i < problems.size(); i += 13) {
            assertThat(other.sample(problems.get(i), SAMPLES, SEED))
                    .isEqualTo(TEACHER.sample(problems.get(i), SAMPLES, SEED));
        }
    }

    @Test
    void differentSeedsGiveDifferentTraces() {
        int same = 0;
        int total = 0;
        for (int i = 0; i < problems.size(); i += 3) {
            List<TeacherSample> a = TEACHER.sample(problems.get(i), SAMPLES, SEED);
            List<TeacherSample> b = TEACHER.sample(problems.get(i), SAMPLES, SEED + 1);
            for (int k = 0; k < SAMPLES; k++, total++) {
                if (a.get(k).text().equals(b.get(k).text())) {
                    same++;
                }
            }
        }
        assertThat((double) same / total).isLessThan(0.4);
    }

    @Test
    void sampleIDoesNotDependOnHowManySamplesAreRequested() {
        for (int i = 0; i < 200; i += 7) {
            Problem p = problems.get(i);
            List<SampleTrace> six = TEACHER.traces(p, 6, SEED);
            assertThat(TEACHER.traces(p, 2, SEED)).isEqualTo(six.subList(0, 2));
            assertThat(TEACHER.trace(p, 5, SEED)).isEqualTo(six.get(5));
        }
    }

    @Test
    void differentSamplesOfOneProblemDiffer() {
        long distinctProblems = traces.stream()
                .filter(ts -> ts.stream().map(t -> t.sample().text()).distinct().count() > 1)
                .count();
        assertThat((double) distinctProblems / problems.size()).isGreaterThan(0.7);
    }

    // ---------------------------------------------------------------------------------------------
    // Shape

    @Test
    void tracesAreShortPrintableAscii() {
        int complete = 0;
        int inBand = 0;
        for (SampleTrace t : all) {
            String text = t.sample().text();
            assertThat(text.chars().allMatch(c -> c == '\n' || (c >= 32 && c <= 126)))
                    .as(text)
                    .isTrue();
            assertThat(text.length()).as(text).isLessThanOrEqualTo(300);
            if (!t.truncated()) {
                complete++;
                assertThat(text.length()).as(text).isGreaterThanOrEqualTo(50);
                if (text.length() >= 60 && text.length() <= 250) {
                    inBand++;
                }
            }
        }
        assertThat((double) inBand / complete).isGreaterThan(0.95);
    }

    @Test
    void completeTracesHaveTheR1Shape() {
        for (SampleTrace t : all) {
            if (t.truncated()) {
                continue;
            }
            String text = t.sample().text();
            assertThat(t.sample().finishReason()).isEqualTo("stop");
            assertThat(text).startsWith("<think>\n");
            int close = text.indexOf("\n</think>\n");
            assertThat(close).isPositive();
            assertThat(text.indexOf("</think>", close + 2)).isEqualTo(-1);
            String thinking = text.substring("<think>\n".length(), close);
            for (String line : thinking.split("\n", -1)) {
                assertThat(line).isNotBlank();
            }
            String last = text.substring(close + "\n</think>\n".length());
            assertThat(last).startsWith("The final answer is ").doesNotContain("\n");
            assertThat(Frac.lastBoxed(last)).as(text).isNotNull();
        }
    }

    @Test
    void cleanReasoningLinesAreArithmeticallyTrue() {
        BuiltInTeacher perfect = new BuiltInTeacher(ErrorModel.perfect());
        List<ProblemSpec> specs = List.of(
                ProblemSpec.defaults(),
                ProblemSpec.defaults()
                        .withSeed(5)
                        .withSteps(1, 6)
                        .withMaxDigits(4)
                        .withCount(1000));
        int checked = 0;
        for (ProblemSpec spec : specs) {
            for (Problem p : SyntheticProblems.generate(spec)) {
                String text = perfect.sample(p, 1, SEED).get(0).text();
                for (String line : TraceLines.thinking(text)) {
                    List<Boolean> checks = TraceLines.check(line);
                    assertThat(checks).as("line %s of %s", line, text).doesNotContain(false);
                    checked += checks.size();
                }
            }
        }
        assertThat(checked).isGreaterThan(10_000);
    }

    // ---------------------------------------------------------------------------------------------
    // Answers

    @Test
    void perfectTeacherAlwaysBoxesTheCanonicalGold() {
        BuiltInTeacher perfect = new BuiltInTeacher(ErrorModel.perfect());
        for (Problem p : problems) {
            for (SampleTrace t : perfect.traces(p, 2, SEED)) {
                assertThat(t.intendedCorrect()).isTrue();
                assertThat(t.slips()).isEmpty();
                assertThat(t.sample().text()).endsWith("\n</think>\nThe final answer is \\boxed{" + p.gold() + "}.");
            }
        }
    }

    @Test
    void intendedCorrectTracesBoxTheGold() {
        int n = 0;
        for (int i = 0; i < problems.size(); i++) {
            Frac gold = Frac.answer(problems.get(i).gold());
            for (SampleTrace t : traces.get(i)) {
                if (t.intendedCorrect()) {
                    n++;
                    assertThat(t.slips()).isEmpty();
                    assertThat(Frac.boxedValue(t.sample().text()))
                            .as(t.sample().text())
                            .isEqualTo(gold);
                    assertThat(t.intendedAnswer()).isEqualTo(problems.get(i).gold());
                }
            }
        }
        assertThat(n).isGreaterThan(1000);
    }

    @Test
    void slipsPropagateToAWrongFinalAnswer() {
        int n = 0;
        for (int i = 0; i < problems.size(); i++) {
            Frac gold = Frac.answer(problems.get(i).gold());
            for (SampleTrace t : traces.get(i)) {
                if (!t.slips().isEmpty() && !t.truncated()) {
                    n++;
                    assertThat(t.intendedCorrect()).isFalse();
                    Frac boxed = Frac.boxedValue(t.sample().text());
                    assertThat(boxed).as(t.sample().text()).isNotNull().isNotEqualTo(gold);
                    assertThat(boxed).isEqualTo(Frac.answer(t.intendedAnswer()));
                }
            }
        }
        assertThat(n).isGreaterThan(1000);
    }

    @Test
    void anEarlySlipIsCarriedThroughToTheLastLine() {
        int single = 0;
        int early = 0;
        for (int i = 0; i < problems.size(); i++) {
            Problem p = problems.get(i);
            List<String> clean = TraceLines.thinking("<think>\n" + BuiltInTeacher.cleanThinking(p) + "</think>\n");
            for (SampleTrace t : traces.get(i)) {
                if (t.truncated() || t.slips().size() != 1) {
                    continue;
                }
                single++;
                List<String> noisy = TraceLines.thinking(t.sample().text());
                String lastLine = noisy.get(noisy.size() - 1);
                // the reasoning arrives at the (wrong) boxed answer ...
                assertThat(TraceLines.lastResult(lastLine))
                        .as(t.sample().text())
                        .isEqualTo(Frac.boxedValue(t.sample().text()));
                assertThat(TraceLines.lastResult(lastLine))
                        .isNotEqualTo(TraceLines.lastResult(clean.get(clean.size() - 1)));
                // ... and most slips happen before the last line, then change the lines after them
                int firstDiff = 0;
                while (firstDiff < Math.min(clean.size(), noisy.size())
                        && clean.get(firstDiff).equals(noisy.get(firstDiff))) {
                    firstDiff++;
                }
                if (firstDiff < noisy.size() - 1) {
                    early++;
                }
            }
        }
        assertThat(single).isGreaterThan(1000);
        assertThat((double) early / single).isGreaterThan(0.5);
    }

    @Test
    void everySlipKindWithWeightOccursAndNoOther() {
        EnumSet<Slip> seen = EnumSet.noneOf(Slip.class);
        all.forEach(t -> seen.addAll(t.slips()));
        EnumSet<Slip> weighted = EnumSet.noneOf(Slip.class);
        ErrorModel.DEFAULT_WEIGHTS.forEach((kind, w) -> {
            if (w > 0) {
                weighted.add(kind);
            }
        });
        assertThat(seen).isEqualTo(weighted).doesNotContain(Slip.NEAR_MISS, Slip.MISCOPY);
    }

    @Test
    void studentLikeSlipsAreNearMissesAndMiscopiesOfOneLine() {
        BuiltInTeacher studentLike =
                new BuiltInTeacher(ErrorModel.defaults().withSlipWeights(ErrorModel.STUDENT_LIKE_WEIGHTS));
        Map<Slip, Integer> counts = new EnumMap<>(Slip.class);
        int wrong = 0;
        int offByAtMostFive = 0;
        int computedLines = 0;
        for (Problem p : problems) {
            if (!p.source().equals("arithmetic")) {
                continue;
            }
            String[] lines = BuiltInTeacher.cleanThinking(p).split("\n");
            for (SampleTrace t : studentLike.traces(p, SAMPLES, SEED)) {
                t.slips().forEach(k -> counts.merge(k, 1, Integer::sum));
                if (t.slips().equals(List.of(Slip.NEAR_MISS)) && !t.truncated()) {
                    // a near miss in the first line: that line's result is 1-5 (or one table row) away from the truth
                    String[] got = t.sample().text().split("\n");
                    if (!got[1].equals(lines[0]) && got[1].startsWith(lines[0].substring(0, lines[0].indexOf('=')))) {
                        long truth = Long.parseLong(lines[0].substring(lines[0].indexOf('=') + 2));
                        long written = Long.parseLong(got[1].substring(got[1].indexOf('=') + 2));
                        computedLines++;
                        offByAtMostFive += Math.abs(written - truth) <= 5 ? 1 : 0;
                    }
                }
                wrong += t.intendedCorrect() ? 0 : 1;
            }
        }
        int slips = counts.values().stream().mapToInt(Integer::intValue).sum();
        assertThat(wrong).isGreaterThan(500);
        assertThat((double) counts.getOrDefault(Slip.NEAR_MISS, 0) / slips).isBetween(0.5, 0.85);
        assertThat((double) counts.getOrDefault(Slip.MISCOPY, 0) / slips).isBetween(0.05, 0.35);
        assertThat((double) counts.getOrDefault(Slip.CARRY, 0) / slips).isLessThan(0.05);
        assertThat(computedLines).isGreaterThan(100);
        // most near misses are a few units; the rest are a neighbouring product (off by one factor)
        assertThat((double) offByAtMostFive / computedLines).isGreaterThan(0.6);
    }

    @Test
    void studentLikeErrorRateMatchesItsExpectedRate() {
        BuiltInTeacher studentLike =
                new BuiltInTeacher(ErrorModel.defaults().withSlipWeights(ErrorModel.STUDENT_LIKE_WEIGHTS));
        double expectedWrong = 0;
        int wrong = 0;
        int n = 0;
        for (Problem p : problems) {
            expectedWrong += SAMPLES * (1 - studentLike.expectedCorrectRate(p));
            for (SampleTrace t : studentLike.traces(p, SAMPLES, SEED)) {
                wrong += t.intendedCorrect() ? 0 : 1;
                n++;
            }
        }
        double e = expectedWrong / n;
        double sigma = Math.sqrt(e * (1 - e) / n);
        assertThat((double) wrong / n).isCloseTo(e, org.assertj.core.data.Offset.offset(4 * sigma));
    }

    @Test
    void slipWeightsMustBeFiniteAndNonNegative() {
        Map<Slip, Double> bad = new EnumMap<>(ErrorModel.DEFAULT_WEIGHTS);
        bad.put(Slip.NEAR_MISS, -1.0);
        assertThatThrownBy(() -> ErrorModel.defaults().withSlipWeights(bad)).hasMessageContaining("NEAR_MISS");
        Map<Slip, Double> none = new EnumMap<>(Slip.class);
        BuiltInTeacher neverSlips =
                new BuiltInTeacher(ErrorModel.defaults().withSlipWeights(none).withTruncationRate(0));
        for (int i = 0; i < 200; i++) {
            assertThat(neverSlips.traces(problems.get(i), SAMPLES, SEED)).allMatch(SampleTrace::intendedCorrect);
            assertThat(neverSlips.expectedCorrectRate(problems.get(i))).isEqualTo(1.0);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Statistics

    @Test
    void errorRateGrowsWithDifficulty() {
        double[] err = measuredErrorRateByDifficulty();
        for (int d = 2; d <= 5; d++) {
            assertThat(err[d]).as("error rate at difficulty %d vs %d", d, d - 1).isGreaterThan(err[d - 1] + 0.05);
        }
        assertThat(err[1]).isBetween(0.10, 0.40); // easy: mostly correct
        assertThat(err[5]).isBetween(0.65, 0.92); // hard: mostly wrong
    }

    @Test
    void errorRateByDifficultyMatchesTheConfiguredModel() {
        double[] err = measuredErrorRateByDifficulty();
        double[] expected = new double[6];
        int[] n = new int[6];
        for (int i = 0; i < problems.size(); i++) {
            Problem p = problems.get(i);
            expected[p.difficulty()] += SAMPLES * (1 - TEACHER.expectedCorrectRate(p));
            n[p.difficulty()] += SAMPLES;
        }
        for (int d = 1; d <= 5; d++) {
            double e = expected[d] / n[d];
            double sigma = Math.sqrt(e * (1 - e) / n[d]);
            assertThat(err[d])
                    .as("difficulty %d (n=%d, expected %.3f)", d, n[d], e)
                    .isCloseTo(e, org.assertj.core.data.Offset.offset(4 * sigma));
        }
    }

    @Test
    void overallAboutHalfOfTheSamplesAreCorrect() {
        long correct = all.stream().filter(SampleTrace::intendedCorrect).count();
        assertThat((double) correct / all.size()).isBetween(0.30, 0.60);
    }

    @Test
    void manyProblemsGetBothCorrectAndIncorrectSamples() {
        long mixed = traces.stream()
                .filter(ts -> ts.stream().anyMatch(SampleTrace::intendedCorrect)
                        && ts.stream().anyMatch(t -> !t.intendedCorrect()))
                .count();
        assertThat((double) mixed / problems.size()).isGreaterThan(0.5);
    }

    @Test
    void aHigherSlipRateGivesMoreErrors() {
        BuiltInTeacher careful = new BuiltInTeacher(ErrorModel.defaults().withSlips(0.02, 0.45));
        BuiltInTeacher sloppy = new BuiltInTeacher(ErrorModel.defaults().withSlips(0.20, 0.45));
        int carefulWrong = 0;
        int sloppyWrong = 0;
        for (int i = 0; i < 1000; i++) {
            carefulWrong += (int) careful.traces(problems.get(i), SAMPLES, SEED).stream()
                    .filter(t -> !t.intendedCorrect())
                    .count();
            sloppyWrong += (int) sloppy.traces(problems.get(i), SAMPLES, SEED).stream()
                    .filter(t -> !t.intendedCorrect())
                    .count();
        }
        assertThat(sloppyWrong).isGreaterThan(2 * carefulWrong);
    }

    @Test
    void truncationRateMatchesTheConfiguredRate() {
        assertTruncationRate(all, 0.05);
        BuiltInTeacher often = new BuiltInTeacher(ErrorModel.defaults().withTruncationRate(0.25));
        List<SampleTrace> many = new ArrayList<>();
        problems.forEach(p -> many.addAll(often.traces(p, SAMPLES, SEED)));
        assertTruncationRate(many, 0.25);
    }

    @Test
    void truncatedTracesAreCutInsideTheThinkingWithoutAnAnswer() {
        int n = 0;
        for (SampleTrace t : all) {
            if (!t.truncated()) {
                continue;
            }
            n++;
            TeacherSample s = t.sample();
            assertThat(s.finishReason()).isEqualTo("length");
            assertThat(s.text())
                    .startsWith("<think>\n")
                    .doesNotContain("</think>")
                    .doesNotContain("\\boxed");
            assertThat(s.text().length()).isGreaterThan("<think>\n".length());
            assertThat(s.completionChars()).isEqualTo(s.text().length());
            assertThat(t.intendedCorrect()).isFalse();
        }
        assertThat(n).isGreaterThan(200);
    }

    @Test
    void answerFormatsVaryButStayEquivalent() {
        Map<AnswerStyle, Integer> counts = new EnumMap<>(AnswerStyle.class);
        int complete = 0;
        for (int i = 0; i < problems.size(); i++) {
            Frac gold = Frac.answer(problems.get(i).gold());
            for (SampleTrace t : traces.get(i)) {
                if (t.truncated()) {
                    continue;
                }
                complete++;
                counts.merge(t.style(), 1, Integer::sum);
                if (t.intendedCorrect()) {
                    assertThat(Frac.boxedValue(t.sample().text()))
                            .as(t.sample().text())
                            .isEqualTo(gold);
                }
            }
        }
        assertThat(counts.keySet()).isEqualTo(EnumSet.allOf(AnswerStyle.class));
        double varied = 1 - (double) counts.get(AnswerStyle.BOXED) / complete;
        double sigma = Math.sqrt(0.3 * 0.7 / complete);
        assertThat(varied).isCloseTo(0.30, org.assertj.core.data.Offset.offset(4 * sigma));
        assertThat(all).anyMatch(t -> t.sample().text().contains("\\boxed{\\dfrac{"));
        assertThat(all).anyMatch(t -> t.sample().text().contains("\\boxed{x = "));
        assertThat(all).anyMatch(t -> t.sample().text().matches("(?s).*\\\\boxed\\{-?\\d+\\.\\d+\\}\\.$"));
        assertThat(all).anyMatch(t -> t.sample().text().matches("(?s).*\\\\boxed \\d$"));
    }

    @Test
    void noFormatVarietyMeansCanonicalAnswersOnly() {
        BuiltInTeacher plain = new BuiltInTeacher(ErrorModel.defaults().withFormatVarietyRate(0));
        for (int i = 0; i < 500; i++) {
            for (SampleTrace t : plain.traces(problems.get(i), SAMPLES, SEED)) {
                assertThat(t.style()).isEqualTo(AnswerStyle.BOXED);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Robustness and speed

    @Test
    void unsupportedProblemsYieldErrorSamples() {
        Problem foreign = new Problem("x-1", "Prove that there are infinitely many primes.", "1", "olympiads", 3);
        Problem garbled = new Problem("arithmetic-0-0", "Compute 2 +.", "2", "arithmetic", 1);
        for (Problem p : List.of(foreign, garbled)) {
            List<TeacherSample> samples = TEACHER.sample(p, 3, SEED);
            assertThat(samples).hasSize(3);
            for (TeacherSample s : samples) {
                assertThat(s.error()).startsWith("unsupported problem");
                assertThat(s.text()).isEmpty();
                assertThat(s.finishReason()).isEqualTo("stop");
            }
            assertThat(TEACHER.expectedCorrectRate(p)).isZero();
        }
    }

    @Test
    void twoThousandProblemsTimesFourSamplesTakeWellUnderASecond() {
        ProblemSpec spec = ProblemSpec.defaults().withSeed(99);
        long best = Long.MAX_VALUE;
        int produced = 0;
        for (int round = 0; round < 3; round++) {
            long t0 = System.nanoTime();
            produced = 0;
            for (Problem p : SyntheticProblems.generate(spec)) {
                produced += TEACHER.sample(p, SAMPLES, round).size();
            }
            best = Math.min(best, System.nanoTime() - t0);
        }
        assertThat(produced).isEqualTo(8000);
        assertThat(best / 1e6).as("milliseconds for 2,000 problems x 4 samples").isLessThan(1000);
    }

    @Test
    void errorModelRejectsOutOfRangeRates() {
        assertThatThrownBy(() -> new ErrorModel(-0.1, 0, 0, 0, 1)).hasMessageContaining("slipPerStep");
        assertThatThrownBy(() -> new ErrorModel(0.1, -1, 0, 0, 1)).hasMessageContaining("difficultyGrowth");
        assertThatThrownBy(() -> new ErrorModel(0.1, 0, 1.5, 0, 1)).hasMessageContaining("truncationRate");
        assertThatThrownBy(() -> new ErrorModel(0.1, 0, 0, Double.NaN, 1)).hasMessageContaining("formatVarietyRate");
        assertThatThrownBy(() -> new ErrorModel(0.1, 0, 0, 0, 2)).hasMessageContaining("maxSlipPerStep");
    }

    @Test
    void slipProbabilityGrowsLinearlyWithDifficultyUpToTheCap() {
        ErrorModel m = new ErrorModel(0.1, 0.5, 0, 0, 0.25);
        assertThat(m.slipProbability(1)).isEqualTo(0.1);
        assertThat(m.slipProbability(3)).isEqualTo(0.2);
        assertThat(m.slipProbability(9)).isEqualTo(0.25);
    }

    // ---------------------------------------------------------------------------------------------

    private static double[] measuredErrorRateByDifficulty() {
        int[] n = new int[6];
        int[] wrong = new int[6];
        for (int i = 0; i < problems.size(); i++) {
            int d = problems.get(i).difficulty();
            for (SampleTrace t : traces.get(i)) {
                n[d]++;
                if (!t.intendedCorrect()) {
                    wrong[d]++;
                }
            }
        }
        double[] rate = new double[6];
        for (int d = 1; d <= 5; d++) {
            assertThat(n[d]).as("samples at difficulty %d", d).isGreaterThan(500);
            rate[d] = (double) wrong[d] / n[d];
        }
        return rate;
    }

    private static void assertTruncationRate(List<SampleTrace> samples, double rate) {
        long truncated = samples.stream()
                .filter(t -> t.sample().finishReason().equals("length"))
                .count();
        double sigma = Math.sqrt(rate * (1 - rate) / samples.size());
        assertThat((double) truncated / samples.size()).isCloseTo(rate, org.assertj.core.data.Offset.offset(4 * sigma));
    }
}
