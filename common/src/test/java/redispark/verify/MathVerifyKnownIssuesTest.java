package redispark.verify;

import static redispark.verify.Verdicts.different;
import static redispark.verify.Verdicts.output;
import static redispark.verify.Verdicts.same;

import org.junit.jupiter.api.Test;

/**
 * Math-Verify's documented false positives must be false here, and its false negatives true (see
 * shared/research/verifier.md, section 3).
 */
class MathVerifyKnownIssuesTest {

    @Test
    void truncatedOutputDoesNotMatchABareNumberItRestates() {
        output(
                "There are 12 socks in the drawer. If we take out 4 socks, the number of pairs we can still",
                "12",
                Reason.NO_ANSWER);
        output("<think>There are 12 socks in the drawer, so the answer might be \\boxed{12}", "12", Reason.NO_ANSWER);
    }

    @Test
    void tinyNumbersAreNotEqualJustBecauseTheyAreTiny() {
        different("1/2^{99}", "1/2^{98}");
        different("\\frac{1}{2004!}", "\\frac{1}{2006!}");
    }

    @Test
    void answerListsAreComparedAsWholeSets() {
        different("n=2,3,4", "n=1,2,3");
        different("D=(0,1.5)", "D=(0,1)");
        different("(1,2)", "\\{1,2\\}");
    }

    @Test
    void plainTextEquationsAreNotReducedToTheirTrailingZero() {
        different("3*x-1*y+13=0", "3x+4y+14=0");
        same("3*x-1*y+13=0", "3x - y + 13 = 0");
    }

    @Test
    void markdownBoldAnswerIsReadAsAWhole() {
        output("Adding these gives 70 in total. **Answer: 73**", "73", Reason.MATCH);
    }

    @Test
    void fboxAloneIsAnAnswer() {
        output("The number of ways is \\fbox{17}.", "17", Reason.MATCH);
    }

    @Test
    void varnothingIsTheEmptySet() {
        same("\\varnothing", "\\emptyset");
        same("\\varnothing", "\\{\\}");
    }

    @Test
    void thinSpaceThousandsAreOneNumber() {
        same("15\\,600", "15600");
        same("15\\,600", "15,600");
    }

    @Test
    void percentInsideTextIsKept() {
        same("50\\text{\\%}", "50\\%");
        same("25\\%", "25");
    }

    @Test
    void plainTextFunctionsAndConstantsAreUnderstood() {
        same("pi/4", "\\frac{\\pi}{4}");
        same("-2*pi", "-2\\pi");
        same("-1+exp(16)", "e^{16}-1");
        same("4\\sqrt(2)", "4\\sqrt{2}");
        same("14.0 + -1.0i", "14 - i");
    }

    @Test
    void textWrappedNumberIsTheNumber() {
        same("\\text{13}", "13");
    }

    @Test
    void bareLatexGoldNeedsNoDollarSigns() {
        same("9/7", "\\dfrac{9}{7}");
    }
}
