package redispark.verify;

import static redispark.verify.Verdicts.different;
import static redispark.verify.Verdicts.same;

import org.junit.jupiter.api.Test;

class NumberEquivalenceTest {

    @Test
    void equalIntegersAndFractionsInAnyFormMatch() {
        same("42", "42");
        same("\\frac{6}{8}", "\\frac34");
        same("3/4", "\\dfrac{3}{4}");
        same("\\tfrac{3}{4}", "0.75");
        same("-\\frac{1}{2}", "\\frac{-1}{2}");
        same("\\frac{-1}{-2}", "\\frac{1}{2}");
        different("43", "42");
        different("\\frac{3}{5}", "\\frac34");
    }

    @Test
    void boxedFractionMatchesDecimalWithWrittenPrecision() {
        same("\\frac{1}{3}", "0.333");
        same("\\frac{1}{3}", "0.33");
        same("0.3333", "\\frac13");
        // a fraction's decimal form needs four significant digits; fewer is a rounding
        different("0.333", "\\frac13");
        different("0.33", "\\frac13");
        different("0.3", "\\frac13");
        different("0.334", "0.333");
    }

    @Test
    void goldDecimalAcceptsOnlyValuesThatRoundToIt() {
        same("0.3333", "0.33");
        same("0.5613", "0.561");
        different("0.34", "0.33");
        different("0.3", "0.33");
        same("1.39 \\times 10^{-10}", "1.39e-10");
        same("1.3912e-10", "1.39e-10");
        different("1.41e-10", "1.39e-10");
    }

    @Test
    void coarseOrExactLookingGoldDecimalsAreNotRoundingRanges() {
        different("2\\sqrt{5}", "4.5");
        different("1+2\\sqrt{3}", "4.5");
        different("0.54", "0.5");
        different("0.006", "0.01");
        same("0.50", "0.5");
        same("\\frac{\\sqrt{2}}{2}", "0.7071");
        different("\\frac{\\sqrt{2}}{2}", "0.71");
    }

    @Test
    void decimalWithOnlyZerosAfterThePointIsExact() {
        same("27", "27.0");
        same("27.00", "27");
        different("27.04", "27.0");
        different("26.96", "27");
    }

    @Test
    void tinyDifferencesAreNeverChopped() {
        different("\\frac{1}{2^{99}}", "\\frac{1}{2^{98}}");
        same("\\frac{1}{2^{99}}", "2^{-99}");
        different("\\frac{1}{2004!}", "\\frac{1}{2006!}");
        different("\\frac{\\pi}{2^{120}}", "\\frac{\\pi}{2^{121}}");
        different("10^{20} + \\sqrt{2}", "10^{20}");
        same("\\sqrt{2}\\cdot 10^{-40}", "\\frac{\\sqrt{8}}{2} \\cdot 10^{-40}");
        different("1 + 10^{-30}", "1");
    }

    @Test
    void irrationalNumbersAreComparedPrecisely() {
        same("2\\sqrt{2}", "\\sqrt{8}");
        same("\\frac{\\sqrt{3}}{3}", "\\frac{1}{\\sqrt{3}}");
        same("\\sqrt[3]{8}", "2");
        same("3^{2/3}", "\\sqrt[3]{9}");
        same("\\sin\\frac{\\pi}{6}", "\\frac12");
        same("\\log_2 8", "3");
        same("\\ln(e^2)", "2");
        same("e^{i\\pi}", "-1");
        different("2\\sqrt{3}", "\\sqrt{8}");
        // a rounded decimal is not an exact irrational gold (see ApproximateDecimalTest for when it is)
        different("3.1416", "\\pi");
        different("3.14159", "\\pi");
    }

    @Test
    void piIsUnderstoodInPlainText() {
        same("pi/4", "\\frac{\\pi}{4}");
        same("2*pi", "2\\pi");
        same("sqrt(2)/2", "\\frac{\\sqrt{2}}{2}");
        different("pi/3", "\\frac{\\pi}{4}");
    }

    @Test
    void complexNumbersAreExact() {
        same("(1+i)^2", "2i");
        same("\\frac{4-6i}{13}", "\\frac{4}{13} - \\frac{6}{13}i");
        same("-2 + 7i", "7i - 2");
        different("2 + 7i", "-2 + 7i");
    }

    @Test
    void mixedNumbersAndUnicodeFractionsAreRead() {
        same("1\\frac{4}{5}", "\\frac{9}{5}");
        same("137 \\frac{1}{2}", "275/2");
        same("2½", "2.5");
        same("¾", "0.75");
        different("1\\frac{4}{5}", "\\frac{4}{5}");
    }

    @Test
    void thousandsSeparatorsAreIgnored() {
        same("10080", "10,\\!080");
        same("15\\,600", "15600");
        same("1{,}000", "1000");
        same("1,450,000", "1450000");
        same("11,\\! 111,\\! 111,\\! 100", "11111111100");
        same("\\$32,\\!348", "32348");
    }

    @Test
    void percentMatchesTheNumberOrTheFractionOnlyWhenWritten() {
        same("50\\text{\\%}", "50\\%");
        same("8", "8\\%");
        same("0.08", "8\\%");
        same("25\\%", "25");
        same("25 percent", "25");
        same("17.5\\%", "17.5%");
        different("0.25", "25");
        different("9\\%", "8\\%");
    }

    @Test
    void degreesUnitsAndCurrencyAreDropped() {
        same("30^\\circ", "30");
        same("30^{\\circ}", "30^\\circ");
        same("30", "30 degrees");
        same("5.4", "5.4 \\text{ cents}");
        same("15", "15\\mbox{ cm}^2");
        same("864", "864 \\mbox{ inches}^2");
        same("12 \\text{ cm}", "12");
        same("\\$18.90", "18.9");
        same("18.90 dollars", "\\$18.90");
        different("31^\\circ", "30^\\circ");
    }

    @Test
    void numbersInAnotherBaseCompareByDigitsAndBase() {
        same("204_5", "204_5");
        same("204_{5}", "204_5");
        same("204", "204_5");
        different("54", "204_5");
        different("204_6", "204_5");
        same("40_9", "36");
        different("40_9", "40");
    }

    @Test
    void scientificNotationAndPowersOfTenAgree() {
        same("2.5\\times 10^{3}", "2500");
        same("3 \\cdot 10^8", "3e8");
        same("6.5e-2", "0.065");
        different("6.5e-3", "0.065");
    }

    @Test
    void clockTimesAndApproximationSignsAreRead() {
        same("3:30 p.m.", "3:30 pm");
        different("3:30 a.m.", "3:30 p.m.");
        same("\\approx 12.14", "12.14");
    }

    @Test
    void repeatingDecimalsAreExact() {
        same("0.\\overline{3}", "\\frac13");
        same("1.2\\overline{45}", "\\frac{137}{110}");
        same("0.\\overline{3}", "0.333");
        different("0.\\overline{3}", "0.334");
    }

    @Test
    void equationBetweenConstantsIsTheValueItStates() {
        same("\\frac{5}{2}=2.5", "2.5");
        different("\\frac{5}{2}=2.4", "2.4");
    }

    @Test
    void infinityIsAValue() {
        same("\\infty", "\\infty");
        same("infinity", "\\infty");
        different("-\\infty", "\\infty");
    }

    @Test
    void assignmentMatchesItsValueInBothDirections() {
        same("x=5", "5");
        same("5", "x=5");
        same("x = 5", "x=5");
        different("x=6", "5");
        same("k = 3", "3");
    }
}
