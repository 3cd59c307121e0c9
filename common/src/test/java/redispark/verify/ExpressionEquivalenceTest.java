package redispark.verify;

import static redispark.verify.Verdicts.different;
import static redispark.verify.Verdicts.same;

import org.junit.jupiter.api.Test;

class ExpressionEquivalenceTest {

    @Test
    void equalPolynomialsWrittenDifferentlyMatch() {
        same("(x+1)^2", "x^2+2x+1");
        same("x^8 + x^7 + x^6 + x^5 + x^4 + x^3 + x^2 + x + 1", "\\frac{x^9-1}{x-1}");
        same("(a+5)(b+2)", "ab + 2a + 5b + 10");
        same("6r^2-4r-24", "2(3r^2 - 2r - 12)");
        different("x^2+2x+2", "(x+1)^2");
        different("x^3+3x-6", "x^3+3x+6");
    }

    @Test
    void implicitMultiplicationIsUnderstood() {
        same("\\frac{n(n+1)}{2}", "\\frac{n^2+n}{2}");
        same("2 n", "2n");
        same("\\frac{1}{4} n(n+1)", "n(n+1)/4");
        same("k\\left(4 k^{2}+k-1\\right) / 2", "2k^3 + \\frac{k^2}{2} - \\frac{k}{2}");
    }

    @Test
    void variableNamesMatter() {
        different("2n", "2k");
        different("3r^2", "3R^2");
    }

    @Test
    void trigonometricAndExponentialIdentitiesHold() {
        same("\\sin^2 x + \\cos^2 x", "1");
        same("\\frac{\\sin 2x}{2}", "\\sin x \\cos x");
        same("\\cot x", "\\frac{\\cos x}{\\sin x}");
        same("e^{2t} e^{-t}", "e^{t}");
        same("\\frac{1}{2}(\\exp{a*t} + \\exp{-a*t})", "\\cosh(at)");
        different("\\sin 2x", "2\\sin x");
    }

    @Test
    void integerOnlyFunctionsAreEvaluatedAtIntegers() {
        same("\\binom{2n}{n}", "\\frac{(2n)!}{(n!)^2}");
        same("\\lfloor\\frac{2 n-1}{5}\\rfloor", "\\left\\lfloor \\frac{2n-1}{5} \\right\\rfloor");
        same("2^{n}-n-1", "2^n - (n+1)");
        different("2^{n}-n", "2^{n}-n-1");
    }

    @Test
    void unknownFunctionApplicationsAreNotProducts() {
        different("0", "I(0)");
        different("2", "I(0)");
        same("I(0) e^{-\\frac{t}{R C}}", "I(0) \\exp(-t/(RC))");
        different("u(t)", "u(s)");
    }

    @Test
    void labelledFunctionsMatchTheirBody() {
        same("x+1", "f(x)=x+1");
        same("f(x) = 1 + x", "f(x)=x+1");
        different("f(x) = x - 1", "f(x)=x+1");
    }

    @Test
    void equivalentEquationsMatch() {
        same("y = 2x + 3", "y = 2x + 3");
        same("2x - y + 3 = 0", "y = 2x + 3");
        same("-5x + 7y - 11z - 4 = 0", "5x - 7y + 11z + 4 = 0");
        same("10x - 14y + 22z + 8 = 0", "5x - 7y + 11z + 4 = 0");
        different("5x - 7y + 11z - 4 = 0", "5x - 7y + 11z + 4 = 0");
        different("3x + 4y + 14 = 0", "3x - y + 13 = 0");
    }

    @Test
    void inequalitiesMatchByDirectionAndStrictness() {
        same("2 \\le k", "k \\geqslant 2");
        same("k \\ge 2", "k \\geqslant 2");
        different("k > 2", "k \\geqslant 2");
        different("k \\le 2", "k \\geqslant 2");
    }

    @Test
    void textAnswersCompareCaseInsensitively() {
        same("\\text{East}", "\\text{east}");
        same("even", "\\text{even}");
        different("\\text{Navin}", "\\text{Evelyn}");
        different("odd", "\\text{even}");
    }
}
