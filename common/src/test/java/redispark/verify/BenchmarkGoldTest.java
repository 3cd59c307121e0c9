package redispark.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The verifier against the real benchmark golds of the shipped benchmark files. */
class BenchmarkGoldTest {

    /** Files whose every gold must parse, and the minimum coverage of the others we assert. */
    private static final Map<String, Double> REQUIRED = Map.of(
            "math500.jsonl",
            1.0,
            "aime24.jsonl",
            1.0,
            "amc23.jsonl",
            1.0,
            "gsm8k.jsonl",
            1.0,
            "minerva_math.jsonl",
            0.99,
            "olympiadbench.jsonl",
            0.99);

    @org.junit.jupiter.api.AfterAll
    static void noVerificationEndedInAnInternalError() {
        assertThat(MathVerifier.internalErrors())
                .as("verifications that hit the last-resort handler")
                .isZero();
    }

    private static boolean parses(String gold) {
        try {
            MathVerifier.parseGold(gold);
            return true;
        } catch (ParseError | EvalError e) {
            return false;
        }
    }

    @Test
    void everyBenchmarkGoldParsesToATypedAnswerWithReportedCoverage() {
        BenchmarkFiles.requireDir();
        Map<String, String> report = new LinkedHashMap<>();
        List<String> belowRequirement = new ArrayList<>();
        for (String file : BenchmarkFiles.FILES) {
            List<BenchmarkFiles.Row> rows = BenchmarkFiles.rows(file);
            List<String> failures = new ArrayList<>();
            for (BenchmarkFiles.Row r : rows) {
                if (!parses(r.gold())) {
                    failures.add("line " + r.line() + ": " + shorten(r.gold()));
                }
            }
            double coverage = 1.0 - (double) failures.size() / rows.size();
            report.put(
                    file, String.format("%d/%d = %.2f%%", rows.size() - failures.size(), rows.size(), 100 * coverage));
            System.out.printf("parse coverage %-22s %s%n", file, report.get(file));
            failures.stream().limit(15).forEach(f -> System.out.println("    unparsed " + f));
            Double required = REQUIRED.get(file);
            if (required != null && coverage < required) {
                belowRequirement.add(
                        file + " " + report.get(file) + " first: " + failures.subList(0, Math.min(5, failures.size())));
            }
        }
        assertThat(belowRequirement).as("coverage per benchmark: %s", report).isEmpty();
    }

    @Test
    void lastBoxOfEveryMath500SolutionVerifiesAgainstItsAnswer() {
        List<String> failures = new ArrayList<>();
        for (BenchmarkFiles.Row r : BenchmarkFiles.rows("math500.jsonl")) {
            Verdict v = MathVerifier.verify(
                    r.json().get("solution").asText(),
                    r.gold(),
                    VerifyOptions.defaults().withBudget(java.time.Duration.ofSeconds(2)));
            if (!v.correct()) {
                failures.add("line " + r.line() + " gold=" + r.gold() + " -> " + v);
            }
        }
        failures.forEach(f -> System.out.println("    solution mismatch " + f));
        System.out.printf("math500 solution-vs-answer: %d/500%n", 500 - failures.size());
        assertThat(failures).isEmpty();
    }

    @Test
    void everyMath500AnswerVerifiesAgainstItself() {
        List<String> failures = new ArrayList<>();
        for (BenchmarkFiles.Row r : BenchmarkFiles.rows("math500.jsonl")) {
            Verdict v = MathVerifier.verify(
                    "The final result is $\\boxed{" + r.gold() + "}$.",
                    r.gold(),
                    VerifyOptions.defaults().withBudget(java.time.Duration.ofSeconds(2)));
            if (!v.correct()) {
                failures.add("line " + r.line() + " gold=" + r.gold() + " -> " + v);
            }
        }
        failures.forEach(f -> System.out.println("    self mismatch " + f));
        assertThat(failures).isEmpty();
    }

    @Test
    void everyRequiredGoldVerifiesAgainstItselfWhenBoxed() {
        List<String> failures = new ArrayList<>();
        for (String file :
                List.of("aime24.jsonl", "amc23.jsonl", "gsm8k.jsonl", "minerva_math.jsonl", "olympiadbench.jsonl")) {
            for (BenchmarkFiles.Row r : BenchmarkFiles.rows(file)) {
                String answer = file.equals("minerva_math.jsonl") ? lastBox(r.gold()) : r.gold();
                if (!parses(r.gold())) {
                    continue; // counted by the coverage test
                }
                Verdict v = MathVerifier.verify(
                        "So the answer is \\boxed{" + answer + "}",
                        r.gold(),
                        VerifyOptions.defaults().withBudget(java.time.Duration.ofSeconds(2)));
                if (!v.correct()) {
                    failures.add(file + " line " + r.line() + " gold=" + shorten(answer) + " -> " + v);
                }
            }
        }
        failures.forEach(f -> System.out.println("    self mismatch " + f));
        assertThat(failures).isEmpty();
    }

    /**
     * False-positive sweep: distinct MATH-500 golds (bare integers left out, they only match
     * themselves) boxed against each other. A match is allowed only for pairs reviewed as equal.
     */
    @Test
    void distinctMath500GoldsOnlyMatchReviewedEquivalents() {
        java.util.Set<String> allowed = java.util.Set.of(
                "1,-2 | -2,1",
                "-2,1 | 1,-2",
                "\\frac{1}{4} | \\frac14",
                "\\frac14 | \\frac{1}{4}",
                "2 \\sqrt{5} | 2\\sqrt{5}",
                "2\\sqrt{5} | 2 \\sqrt{5}",
                "36^\\circ | 40_9",
                "36^\\circ | \\$36",
                "\\$36 | 40_9",
                "\\$36 | 36^\\circ");
        List<String> golds = BenchmarkFiles.rows("math500.jsonl").stream()
                .map(BenchmarkFiles.Row::gold)
                .filter(g -> !g.matches("-?\\d+"))
                .distinct()
                .toList();
        List<String> unexpected = new ArrayList<>();
        int pairs = 0;
        for (String g : golds) {
            for (String p : golds) {
                if (g.equals(p)) {
                    continue;
                }
                pairs++;
                Verdict v = MathVerifier.verify("\\boxed{" + p + "}", g, Verdicts.UNHURRIED);
                if (v.reason() != Reason.MISMATCH && !allowed.contains(g + " | " + p)) {
                    unexpected.add(g + " | " + p + " -> " + v.reason().label());
                }
            }
        }
        System.out.printf(
                "math500 cross-gold sweep: %d golds, %d pairs, %d unexpected%n",
                golds.size(), pairs, unexpected.size());
        assertThat(unexpected).isEmpty();
    }

    static String lastBox(String solution) {
        int i = solution.lastIndexOf("\\boxed");
        int open = solution.indexOf('{', i);
        int close = Extractor.matchBrace(solution, open, Deadline.NONE);
        return solution.substring(open + 1, close);
    }

    private static String shorten(String s) {
        String t = s.replace("\n", " ");
        return t.length() > 160 ? t.substring(0, 160) + "..." : t;
    }
}
