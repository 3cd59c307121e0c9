package redispark.verify;

/**
 * Samples run once when {@link MathVerifier} is initialised. They cover every answer type, the
 * comparisons between types, and the evaluator's functions, so that class loading and one-time
 * bootstraps happen before the first budgeted call rather than inside it.
 */
final class WarmUp {

    static final String[][] SAMPLES = {
        {"\\boxed{\\frac{1}{2}}", "0.5"},
        {"answer: $x^2+1$", "1+x^2"},
        {"<think>t</think> Final answer: \\boxed{(1,2]}", "1 < x \\le 2"},
        {"\\boxed{\\sqrt{8}}", "2\\sqrt2"},
        {"\\boxed{\\text{(C)}}", "\\text{(C)}"},
        {"\\boxed{C}", "C"},
        {"\\boxed{\\begin{pmatrix}1\\\\2\\end{pmatrix}}", "(1,2)"},
        {"\\boxed{\\begin{bmatrix}1 & 0\\\\0 & 1\\end{bmatrix}}", "\\begin{pmatrix}1 & 0\\\\0 & 1\\end{pmatrix}"},
        {"\\boxed{D=(0,1)}", "(0,1)"},
        {"\\boxed{(0,1)}", "(0,1)"},
        {"\\boxed{-2 \\le x \\le 7}", "x \\in [-2,7]"},
        {"\\boxed{(-\\infty, 2) \\cup (3, \\infty)}", "(-\\infty, 2) \\cup (3, \\infty)"},
        {"\\boxed{\\{1,2\\}}", "2, 1"},
        {"\\boxed{1 \\pm \\sqrt{19}}", "\\{1+\\sqrt{19}, 1-\\sqrt{19}\\}"},
        {"\\boxed{y = 2x + 3}", "2x - y + 3 = 0"},
        {"\\boxed{k \\ge 2}", "k \\geqslant 2"},
        {"\\boxed{f(x) = x+1}", "x+1"},
        {"\\boxed{\\text{east}}", "East"},
        {"\\boxed{\\varnothing}", "\\emptyset"},
        {"\\boxed{50\\%}", "0.5"},
        {"\\boxed{30^\\circ}", "30"},
        {"\\boxed{15\\,600 \\text{ cm}}", "15,600"},
        {"\\boxed{0.333}", "\\frac13"},
        {"\\boxed{1.39e-10}", "1.39 \\times 10^{-10}"},
        {"\\boxed{204_5}", "204_{5}"},
        {"\\boxed{(1+i)^2}", "2i"},
        {"\\boxed{\\sin^2 x + \\cos^2 x + \\tan x \\cot x}", "2"},
        {"\\boxed{\\ln(e^2) + \\log_2 8 + \\exp(0) + \\arctan 1 + \\arcsin 1}", "6 + \\frac{3\\pi}{4}"},
        {"\\boxed{\\binom{2n}{n} + \\lfloor n/2 \\rfloor + \\lceil n/3 \\rceil}", "\\frac{(2n)!}{(n!)^2} + 1"},
        {"\\boxed{\\frac{1}{2004!} + 5!!}", "\\frac{1}{2006!}"},
        {"\\boxed{|x - 1| + \\max(1, 2) + \\sinh x}", "\\cosh x"},
        {"\\boxed{2^{2^{2^{100}}}}", "2^{2^{2^{100}}}"},
        {"\\boxed{pi/4}", "\\frac{\\pi}{4}"},
        {"\\boxed{u(t) I(0)}", "I(0) u(t)"},
        {"\\boxed{1\\frac{1}{2}}", "1.5"},
        {"The answer is (B).", "B"},
        {"\\boxed{x=5}", "5"},
        {"no answer here", "5"},
    };

    private WarmUp() {}
}
