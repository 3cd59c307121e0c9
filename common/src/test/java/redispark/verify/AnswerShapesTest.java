package redispark.verify;

import static redispark.verify.Verdicts.different;
import static redispark.verify.Verdicts.output;
import static redispark.verify.Verdicts.same;

import org.junit.jupiter.api.Test;

/**
 * Answer shapes of reasoning traces and NuminaMath / OpenR1 golds. Each shape that is accepted is also
 * shown not to accept a wrong answer of the same shape; every verdict was worked out by hand.
 */
class AnswerShapesTest {

    @Test
    void boxesJoinedAfterTheThinkBlockFormOneAnswer() {
        String twoPairs = "<think>Try small n.</think> The solutions are "
                + "\\boxed{(2, 2)} \\quad \\text{and} \\quad \\boxed{(6, 2)}";
        output(twoPairs, "(2,2),(6,2)", Reason.MATCH);
        output(twoPairs, "\\{(6,2),(2,2)\\}", Reason.MATCH);
        output(twoPairs.replace("(6, 2)", "(6, 3)"), "(2,2),(6,2)", Reason.MISMATCH);
        String twoRoots = "</think> So the roots are \\(\\boxed{1}\\) and \\(\\boxed{-2}\\).";
        output(twoRoots, "1,-2", Reason.MATCH);
        output(twoRoots, "\\{-2, 1\\}", Reason.MATCH);
        output("</think> \\boxed{2} \\quad \\boxed{3}", "\\{2,3\\}", Reason.MATCH);
        output("</think> \\boxed{x=1} or \\boxed{x=2}", "1, 2", Reason.MATCH);
    }

    @Test
    void boxesWhoseUnionIsNotTheGoldDoNotMatch() {
        output("</think> So \\(\\boxed{1}\\) and \\(\\boxed{2}\\).", "1,-2", Reason.MISMATCH);
        output("</think> \\(\\boxed{1}\\), \\(\\boxed{-2}\\) and \\(\\boxed{3}\\).", "1,-2", Reason.MISMATCH);
        output("</think> \\boxed{1}", "1,-2", Reason.MISMATCH);
        // an intermediate box followed by prose and the final box: only the final one counts
        output("</think> First \\boxed{5}. Therefore the final answer is \\boxed{7}", "5,7", Reason.MISMATCH);
    }

    @Test
    void boxesAgainstATupleGoldAreReadInOrder() {
        output("</think> \\boxed{1}, \\boxed{2}, \\boxed{3}", "(1,2,3)", Reason.MATCH);
        output("</think> \\boxed{3}, \\boxed{2}, \\boxed{1}", "(1,2,3)", Reason.MISMATCH);
        // two values are not the pair or interval (-2, 1)
        output("</think> \\boxed{-2} and \\boxed{1}", "(-2,1)", Reason.MISMATCH);
    }

    @Test
    void labelledTupleGoldsParseAndCompareByValueAndName() {
        same("(3,2)", "(p,q)=(3,2)");
        same("(p,q)=(3,2)", "(p,q)=(3,2)");
        same("p=3, q=2", "(p,q)=(3,2)");
        same("q=2, p=3", "(p,q)=(3,2)");
        different("(p,q)=(2,3)", "(p,q)=(3,2)");
        different("(2,3)", "(p,q)=(3,2)");
        different("p=2, q=3", "(p,q)=(3,2)");
        different("p=3, q=2, r=1", "(p,q)=(3,2)");
        different("(x,y)=(1,2)", "(p,q)=(1,2)");
    }

    @Test
    void labelledListsCompareNameByNameOrInTheGoldsOrder() {
        same("AB=4, CD=5", "AB=4, CD=5");
        same("CD=5, AB=4", "AB=4, CD=5");
        same("4, 5", "AB=4, CD=5");
        different("5, 4", "AB=4, CD=5");
        different("AB=5, CD=4", "AB=4, CD=5");
        same("1", "|AB|=1");
        same("|AB|=1", "|AB|=1");
        different("2", "|AB|=1");
        same("AB=4", "4");
        different("BC=4", "AB=4");
        different("x+y=5", "5");
    }

    @Test
    void ratiosAreCompared() {
        same("7:32", "S_{MBCN}:S=7:32");
        same("\\frac{7}{32}", "S_{MBCN}:S=7:32");
        different("7:31", "S_{MBCN}:S=7:32");
        same("6:8", "3:4");
        same("\\frac34", "3:4");
        different("4:3", "3:4");
    }

    @Test
    void semicolonTuples() {
        same("(0,0,0),(0,-2,0)", "(0;0;0),(0;-2;0)");
        same("(0;-2;0),(0;0;0)", "(0;0;0),(0;-2;0)");
        different("(0,0,0),(0,2,0)", "(0;0;0),(0;-2;0)");
        different("(0,0,0)", "(0;0;0),(0;-2;0)");
    }

    @Test
    void setsInPlainBracesAndPlusMinus() {
        same("\\{1,2,3\\}", "{1,2,3}");
        same("3,2,1", "{1,2,3}");
        same("{3,1,2}", "\\{1,2,3\\}");
        different("\\{1,2,4\\}", "{1,2,3}");
        different("(1,2,3)", "{1,2,3}");
        same("\\pm 2021", "\\{-2021, 2021\\}");
        same("\\{-2021, 2021\\}", "\\pm 2021");
        same("2021, -2021", "\\pm 2021");
        different("2021", "\\{-2021, 2021\\}");
        different("\\pm 2020", "\\{-2021, 2021\\}");
    }

    @Test
    void inequalitiesAgainstTheEquivalentIntervalOrUnion() {
        same("0<f(x)<1", "(0,1)");
        same("(0,1)", "0<f(x)<1");
        same("1 \\le f(x) \\le 3", "[1,3]");
        different("0<f(x)\\le 1", "(0,1)");
        different("0<f(x)<2", "(0,1)");
        different("1 \\le f(x) < 3", "[1,3]");
        same("1\\leq|z|\\leq\\frac{3}{2}", "[-\\frac32,-1]\\cup[1,\\frac32]");
        same("[-\\frac32,-1]\\cup[1,\\frac32]", "1\\leq|z|\\leq\\frac{3}{2}");
        different("1\\leq|z|\\leq 2", "[-\\frac32,-1]\\cup[1,\\frac32]");
        different("1<|z|\\leq\\frac{3}{2}", "[-\\frac32,-1]\\cup[1,\\frac32]");
        same("|x|<1", "(-1,1)");
        same("|x|\\ge 2", "(-\\infty,-2]\\cup[2,\\infty)");
        different("|x|>2", "(-\\infty,-2]\\cup[2,\\infty)");
        same("0<|x|<1", "(-1,0)\\cup(0,1)");
        different("0<|x|<1", "(-1,1)");
        same("0\\le|x|\\le1", "[-1,1]");
    }

    @Test
    void fractionalPowersAndRoots() {
        same("\\sqrt[3]{x}^2", "x^{2/3}");
        same("\\sqrt[3]{x^2}", "x^{2/3}");
        same("x^{2/3}", "\\sqrt[3]{x^2}");
        different("\\sqrt[3]{x}^3", "x^{2/3}");
        different("x^{1/3}", "\\sqrt[3]{x^2}");
        same("(-8)^{2/3}", "4");
        different("(-8)^{1/2}", "2\\sqrt{2}");
    }

    @Test
    void groupedDigits() {
        same("14{,}916", "14916");
        same("14\\,916", "14916");
        same("14\\,916", "14{,}916");
        different("14{,}917", "14916");
    }

    @Test
    void aTrueEqualityChainIsItsLastSide() {
        same("x = 5 + 6 = 11", "11");
        same("5 + 6 = 11", "11");
        same("x = 2 + 2 = 4", "x=4");
        different("x = 5 + 6 = 12", "11");
        // a false chain is no value, not even its last side
        different("x = 5 + 6 = 12", "12");
        different("x = 2 + 2 = 5", "5");
    }

    @Test
    void namedAssignmentsAgainstATuple() {
        same("a=6, b=9", "(6,9)");
        same("(6,9)", "a=6, b=9");
        different("a=9, b=6", "(6,9)");
        different("a=6, b=9", "(9,6)");
        different("a=6", "(6,9)");
        // a bare list is two values, not the pair or interval
        different("-2, 1", "(-2,1)");
    }

    @Test
    void gsm8kAnswerLines() {
        output("Natalia sold 48/2 = 24 clips in May.\n#### 18", "18", Reason.MATCH);
        output("The answer is #### 18", "18", Reason.MATCH);
        output("Total: 1,000 dollars.\n#### 1,000", "1000", Reason.MATCH);
        output("Natalia sold 48/2 = 24 clips in May.\n#### 18", "19", Reason.MISMATCH);
        output("\\boxed{72}", "Natalia sold 48/2 = 24 clips in May.\n#### 72", Reason.MATCH);
        output("\\boxed{18}", "Natalia sold 48/2 = 24 clips in May.\n#### 72", Reason.MISMATCH);
    }
}
