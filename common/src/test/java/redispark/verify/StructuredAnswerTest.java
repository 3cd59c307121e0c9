package redispark.verify;

import static redispark.verify.Verdicts.different;
import static redispark.verify.Verdicts.same;

import org.junit.jupiter.api.Test;

class StructuredAnswerTest {

    @Test
    void tuplesAreOrdered() {
        same("(1,-16,-4,43)", "(1,-16,-4,43)");
        same("\\left( \\frac{3}{2}, -13 \\right)", "(1.5, -13)");
        different("(2,1)", "(1,2)");
        different("(1,2,3)", "(1,2)");
    }

    @Test
    void commaListsAndSetsAreUnordered() {
        same("3, 5, 7", "3, 5, 7");
        same("7,3,5", "3, 5, 7");
        same("\\{-2, 1\\}", "-2,1");
        same("x = 1 \\text{ or } x = -2", "1,-2");
        same("1 \\text{ and } -2", "1,-2");
        different("1, 2", "1,-2");
        different("1", "1,-2");
        different("n=1,2,3", "n=2,3,4");
    }

    @Test
    void plusMinusExpandsToBothValues() {
        same("1 \\pm \\sqrt{19}", "1 + \\sqrt{19}, 1 - \\sqrt{19}");
        same("\\{1\\pm\\sqrt{5},-2\\}", "-2, 1+\\sqrt5, 1-\\sqrt5");
        different("1 + \\sqrt{19}", "1 \\pm \\sqrt{19}");
        same("x = \\pm 3", "3,-3");
        same("3, -3", "\\pm 3");
    }

    @Test
    void setIsNotATupleOrInterval() {
        different("(1,2)", "\\{1,2\\}");
        different("[1,2]", "(1,2)");
        different("\\{1,2\\}", "(1,2)");
    }

    @Test
    void setsOfTuplesMatchInAnyOrder() {
        same("(3,2),(1,1)", "(1,1), (3,2)");
        different("(2,3),(1,1)", "(1,1), (3,2)");
    }

    @Test
    void intervalsCompareEndpointsAndOpenness() {
        same("(-\\infty, 0]", "(-\\infty, 0]");
        same("\\left(\\frac{3}{5},\\frac{8}{3}\\right]", "(0.6, 8/3]");
        different("(-\\infty, 0)", "(-\\infty, 0]");
        different("[0, \\infty)", "(-\\infty, 0]");
        same("(3, \\infty) \\cup (-\\infty, 2)", "(-\\infty, 2) \\cup (3, \\infty)");
        different("(-\\infty, 2) \\cup (3, \\infty)", "(-\\infty, 2) \\cup [3, \\infty)");
        same("(-\\infty, 0) \\cup \\{1\\}", "(-\\infty, 0) \\cup\\{1\\}");
    }

    @Test
    void inequalityChainMatchesIntervalGold() {
        same("2 \\le x < 5", "[2,5)");
        same("x > 3", "(3, \\infty)");
        same("x \\in [-2,7]", "[-2,7]");
        same("-2 \\le x \\le 7", "x \\in [-2,7]");
        same("[2, \\infty)", "k \\geqslant 2");
        different("2 < x < 5", "[2,5)");
    }

    @Test
    void setBuilderNotationMatchesTheIntervalItDescribes() {
        same("[-2, 1)", "\\{x|-2\\leq x < 1\\}");
        different("[-2, 1]", "\\{x|-2\\leq x < 1\\}");
    }

    @Test
    void labelledUnionAndInverseMatrixLabelAreRead() {
        same(
                "[\\frac{\\pi}{3}, \\frac{\\pi}{2}) \\cup [\\frac{4\\pi}{3}, \\frac{3\\pi}{2})",
                "x=\\left[\\frac{\\pi}{3}, \\frac{\\pi}{2}\\right) \\cup\\left[\\frac{4 \\pi}{3}, \\frac{3 \\pi}{2}\\right)");
        same(
                "\\begin{pmatrix} 3 & 7 \\\\ 5 & 12 \\end{pmatrix}",
                "B^{-1}=\\left[\\begin{array}{rr}3 & 7 \\\\ 5 & 12\\end{array}\\right]");
    }

    @Test
    void emptySetSpellingsAgree() {
        same("\\varnothing", "\\emptyset");
        same("\\{\\}", "\\emptyset");
        same("\\emptyset", "\\oslash");
        same("\\text{No solution}", "\\emptyset");
        same("none", "\\varnothing");
        different("\\{0\\}", "\\emptyset");
    }

    @Test
    void matricesCompareElementWise() {
        same(
                "\\begin{bmatrix} -1 & 0 \\\\ 0 & -1 \\end{bmatrix}",
                "\\begin{pmatrix} -1 & 0 \\\\ 0 & -1 \\end{pmatrix}");
        same(
                "\\begin{pmatrix} -\\frac13 \\\\ 0.666667 \\\\ 5/3 \\end{pmatrix}",
                "\\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}");
        different(
                "\\begin{pmatrix} -\\frac13 \\\\ 0.666666 \\\\ 5/3 \\end{pmatrix}",
                "\\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}");
        different(
                "\\begin{pmatrix} 0 & -1 \\\\ -1 & 0 \\end{pmatrix}",
                "\\begin{pmatrix} -1 & 0 \\\\ 0 & -1 \\end{pmatrix}");
    }

    @Test
    void columnVectorMatchesTheSameEntriesAsATuple() {
        same("(-7, 16, 5)", "\\begin{pmatrix} -7 \\\\ 16 \\\\ 5 \\end{pmatrix}");
        different("(-7, 5, 16)", "\\begin{pmatrix} -7 \\\\ 16 \\\\ 5 \\end{pmatrix}");
    }

    @Test
    void labelledTuplesCompareTheirValues() {
        same("D=(0,1)", "(0,1)");
        different("D=(0,1.5)", "D=(0,1)");
    }
}
