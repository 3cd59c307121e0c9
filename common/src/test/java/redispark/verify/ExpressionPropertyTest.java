package redispark.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property test over generated expressions: the LaTeX rendering of an expression matches its plain-text
 * rendering and a rewrite with sums and products commuted; changing one constant breaks equality.
 */
class ExpressionPropertyTest {

    /** One generated expression in three spellings (LaTeX, plain text, commuted LaTeX). */
    private record Expr(String latex, String plain, String commuted) {}

    private int constantsSeen;
    private int mutateAt;

    private Expr gen(Random r, int depth) {
        if (depth == 0 || r.nextInt(4) == 0) {
            int k = r.nextInt(4);
            if (k == 0) {
                return new Expr("x", "x", "x");
            }
            if (k == 1) {
                return new Expr("y", "y", "y");
            }
            if (k == 2 && r.nextInt(3) == 0) {
                return new Expr("\\pi", "pi", "\\pi");
            }
            int n = 1 + r.nextInt(9);
            if (constantsSeen++ == mutateAt) {
                n += 1; // the mutated copy differs here
            }
            String s = String.valueOf(n);
            return new Expr(s, s, s);
        }
        int op = r.nextInt(7);
        Expr a = gen(r, depth - 1);
        Expr b = op <= 3 ? gen(r, depth - 1) : null; // only binary operators get a second operand
        switch (op) {
            case 0:
                return new Expr(
                        "\\left(" + a.latex + "\\right)+\\left(" + b.latex + "\\right)",
                        "(" + a.plain + ")+(" + b.plain + ")",
                        "\\left(" + b.commuted + "\\right)+\\left(" + a.commuted + "\\right)");
            case 1:
                return new Expr(
                        "\\left(" + a.latex + "\\right)-\\left(" + b.latex + "\\right)",
                        "(" + a.plain + ")-(" + b.plain + ")",
                        "-\\left(\\left(" + b.commuted + "\\right)-\\left(" + a.commuted + "\\right)\\right)");
            case 2:
                return new Expr(
                        "\\left(" + a.latex + "\\right)\\cdot\\left(" + b.latex + "\\right)",
                        "(" + a.plain + ")*(" + b.plain + ")",
                        "\\left(" + b.commuted + "\\right)\\left(" + a.commuted + "\\right)");
            case 3:
                // denominators kept positive: b^2 + 1
                return new Expr(
                        "\\frac{" + a.latex + "}{\\left(" + b.latex + "\\right)^{2}+1}",
                        "(" + a.plain + ")/((" + b.plain + ")^2+1)",
                        "\\left(" + a.commuted + "\\right)\\cdot\\left(1+\\left(" + b.commuted
                                + "\\right)^2\\right)^{-1}");
            case 4:
                return new Expr(
                        "\\left(" + a.latex + "\\right)^{3}",
                        "(" + a.plain + ")^3",
                        "\\left(" + a.commuted + "\\right)^{2}\\left(" + a.commuted + "\\right)");
            case 5:
                return new Expr(
                        "\\sqrt{\\left(" + a.latex + "\\right)^{2}+" + "4}",
                        "sqrt((" + a.plain + ")^2+4)",
                        "\\left(4+\\left(" + a.commuted + "\\right)^{2}\\right)^{\\frac{1}{2}}");
            default:
                return new Expr(
                        "\\sin\\left(" + a.latex + "\\right)",
                        "sin(" + a.plain + ")",
                        "\\cos\\left(\\frac{\\pi}{2}-\\left(" + a.commuted + "\\right)\\right)");
        }
    }

    @Test
    void generatedExpressionsMatchTheirRewritesAndNotTheirMutations() {
        Random r = new Random(42);
        VerifyOptions generous = VerifyOptions.defaults().withBudget(java.time.Duration.ofSeconds(2));
        List<String> failures = new ArrayList<>();
        int mutations = 0;
        int mutationsCaught = 0;
        for (int i = 0; i < 400; i++) {
            long seed = r.nextLong();
            constantsSeen = 0;
            mutateAt = -1;
            Expr e = gen(new Random(seed), 3);
            int constants = constantsSeen;
            Verdict plain = MathVerifier.verify("\\boxed{" + e.plain + "}", e.latex, generous);
            Verdict commuted = MathVerifier.verify("\\boxed{" + e.commuted + "}", e.latex, generous);
            if (!plain.correct() || !commuted.correct()) {
                failures.add(e.latex + " | plain " + plain.reason().label() + " | commuted "
                        + commuted.reason().label());
            }
            if (constants > 0) {
                constantsSeen = 0;
                mutateAt = new Random(seed ^ 7).nextInt(constants);
                Expr m = gen(new Random(seed), 3);
                mutations++;
                Verdict v = MathVerifier.verify("\\boxed{" + m.latex + "}", e.latex, generous);
                if (v.reason() == Reason.MISMATCH) {
                    mutationsCaught++;
                } else if (v.reason() == Reason.MATCH && mutations - mutationsCaught < 6) {
                    System.out.println("    mutation matched: " + m.latex + "   vs   " + e.latex);
                } else if (v.reason() != Reason.MATCH) {
                    failures.add("mutation " + m.latex + " -> " + v.reason().label());
                }
            }
        }
        System.out.printf(
                "expression properties: %d failures, mutations caught %d/%d%n",
                failures.size(), mutationsCaught, mutations);
        failures.stream().limit(10).forEach(f -> System.out.println("    " + f));
        assertThat(failures).isEmpty();
        // A mutated constant can be absorbed (e.g. inside sin(pi) or multiplied by zero): allow a few.
        assertThat(mutationsCaught).isGreaterThanOrEqualTo(mutations * 95 / 100);
    }
}
