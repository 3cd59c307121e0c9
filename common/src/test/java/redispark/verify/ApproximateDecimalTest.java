package redispark.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static redispark.verify.Verdicts.different;
import static redispark.verify.Verdicts.same;

import org.junit.jupiter.api.Test;

/**
 * A rounded decimal against an exact gold: rejected by default (a false positive puts a wrong trace into
 * the positives), accepted when the gold is itself a decimal, when the question asks for rounding, or
 * with {@link VerifyOptions#approximate()}; never for the wrong constant.
 */
class ApproximateDecimalTest {

    private static final VerifyOptions LENIENT = Verdicts.UNHURRIED.withApproximate(true);

    private static Reason verdict(String answer, String gold, String problem, VerifyOptions options) {
        return MathVerifier.verify("Work omitted. $\\boxed{" + answer + "}$", gold, problem, options)
                .reason();
    }

    @Test
    void aRoundedDecimalIsNotAnExactIrrationalOrFractionGold() {
        different("12.57", "4\\pi");
        different("12.566370614", "4\\pi");
        different("3.14", "\\frac{22}{7}");
        different("3.14", "\\pi");
        different("1.4142", "\\sqrt{2}");
        different("0.333", "\\frac{1}{3}");
        different("x = \\frac{22}{7} \\approx 3.14", "\\frac{22}{7}");
    }

    @Test
    void exactFormsAndDecimalGoldsStillMatch() {
        same("4\\pi", "4\\pi");
        same("0.5", "\\frac{1}{2}");
        same("0.3333", "\\frac{1}{3}");
        same("2.166667", "\\frac{13}{6}");
        // the gold is itself a decimal: it is a rounding range
        same("12.57", "12.57");
        same("4\\pi", "12.57");
        same("3.14", "3.14159");
        same("\\sqrt{2}", "1.4142");
    }

    @Test
    void aQuestionThatAsksForRoundingAcceptsTheRoundedValue() {
        String nearest = "Find the area of the circle, rounded to the nearest hundredth.";
        assertThat(verdict("12.57", "4\\pi", nearest, Verdicts.UNHURRIED)).isEqualTo(Reason.MATCH);
        assertThat(verdict("3.14", "\\pi", "Give your answer to two decimal places.", Verdicts.UNHURRIED))
                .isEqualTo(Reason.MATCH);
        assertThat(verdict("12.57", "4\\pi", "Find the area of the circle.", Verdicts.UNHURRIED))
                .isEqualTo(Reason.MISMATCH);
        assertThat(verdict("12.57", "4\\pi", null, Verdicts.UNHURRIED)).isEqualTo(Reason.MISMATCH);
        // asked for rounding, a wrong value or the wrong constant is still wrong
        assertThat(verdict("12.75", "4\\pi", nearest, Verdicts.UNHURRIED)).isEqualTo(Reason.MISMATCH);
        assertThat(verdict("2.72", "\\pi", nearest, Verdicts.UNHURRIED)).isEqualTo(Reason.MISMATCH);
    }

    @Test
    void theLenientOptionAcceptsRoundedValuesButNotTheWrongConstant() {
        assertThat(verdict("12.57", "4\\pi", null, LENIENT)).isEqualTo(Reason.MATCH);
        assertThat(verdict("3.14", "\\frac{22}{7}", null, LENIENT)).isEqualTo(Reason.MATCH);
        assertThat(verdict("3.1416", "\\pi", null, LENIENT)).isEqualTo(Reason.MATCH);
        assertThat(verdict("0.333", "\\frac{1}{3}", null, LENIENT)).isEqualTo(Reason.MATCH);
        // approximations of another constant, or too coarse to say
        assertThat(verdict("3.14", "e", null, LENIENT)).isEqualTo(Reason.MISMATCH);
        assertThat(verdict("2.72", "\\pi", null, LENIENT)).isEqualTo(Reason.MISMATCH);
        assertThat(verdict("12.6", "4\\pi", null, LENIENT)).isEqualTo(Reason.MATCH);
        assertThat(verdict("13", "4\\pi", null, LENIENT)).isEqualTo(Reason.MISMATCH);
        assertThat(verdict("3.1", "\\pi", null, LENIENT)).isEqualTo(Reason.MISMATCH);
    }

    @Test
    void roundingRequestsAreRecognisedInTheirUsualWordings() {
        assertThat(MathVerifier.asksForRounding("Round your answer to the nearest tenth."))
                .isTrue();
        assertThat(MathVerifier.asksForRounding("Express your answer as a decimal."))
                .isTrue();
        assertThat(MathVerifier.asksForRounding("Give the answer to 3 significant figures."))
                .isTrue();
        assertThat(MathVerifier.asksForRounding("What is approximately the value of x?"))
                .isTrue();
        assertThat(MathVerifier.asksForRounding("Find the area of the circle of radius 2."))
                .isFalse();
        assertThat(MathVerifier.asksForRounding("A round table seats 8 people; how many ways?"))
                .isFalse();
        assertThat(MathVerifier.asksForRounding("The price, rounded, is what?")).isTrue();
        assertThat(MathVerifier.asksForRounding(null)).isFalse();
    }
}
