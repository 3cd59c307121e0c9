package redispark.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static redispark.verify.Verdicts.output;

import org.junit.jupiter.api.Test;

class ExtractionTest {

    @Test
    void lastBoxedAnswerWinsOverEarlierBoxes() {
        output("First guess $\\boxed{3}$, but correcting: $\\boxed{5}$.", "5", Reason.MATCH);
        output("First guess $\\boxed{5}$, but correcting: $\\boxed{3}$.", "5", Reason.MISMATCH);
    }

    @Test
    void boxesJoinedByConnectorsAtTheEndFormOneList() {
        output("The solutions are $\\boxed{2}$ and $\\boxed{-3}$.", "-3, 2", Reason.MATCH);
        output("So $x=\\boxed{2}$, or $x = \\boxed{-3}$", "-3, 2", Reason.MISMATCH);
        output("First \\boxed{2}. Then after more work the answer is \\boxed{-3}", "-3", Reason.MATCH);
    }

    @Test
    void fboxIsReadLikeBoxed() {
        output("so the answer is \\fbox{17}", "17", Reason.MATCH);
    }

    @Test
    void nestedBracesInsideTheBoxAreMatched() {
        output("$\\boxed{\\frac{1}{\\sqrt{2}}}$ done", "\\frac{\\sqrt{2}}{2}", Reason.MATCH);
        output("\\boxed{\\{1, 2\\}}", "\\{1,2\\}", Reason.MATCH);
    }

    @Test
    void boxedWithoutBracesReadsOneToken() {
        output("the answer is $\\boxed 5$", "5", Reason.MATCH);
    }

    @Test
    void explicitFinalAnswerAfterTheLastBoxOverridesIt() {
        output("We had $\\boxed{4}$ earlier. Final answer: 6", "6", Reason.MATCH);
        output("We had $\\boxed{4}$ earlier. Final answer: 6", "4", Reason.MISMATCH);
    }

    @Test
    void proseAfterTheBoxThatMentionsTheAnswerDoesNotOverrideIt() {
        output(
                "Therefore $\\boxed{44}$. We may check: $17 \\cdot 44 = 748$, so our answer is correct.",
                "44",
                Reason.MATCH);
    }

    @Test
    void answerPhraseThatStartsWithAWordIsProse() {
        output("So $\\boxed{5}$. Note that the answer is not 6.", "5", Reason.MATCH);
        output("To answer: we need more work", "5", Reason.NO_ANSWER);
        output("The answer is pi/2", "\\frac{\\pi}{2}", Reason.MATCH);
    }

    @Test
    void answerPhraseWithoutBoxIsUsed() {
        output("Some reasoning.\n\n**Answer:** $\\frac{3}{4}$", "0.75", Reason.MATCH);
        output("Thus, the final answer is 42.", "42", Reason.MATCH);
        output("Counting again, the answer is 5 apples.", "5", Reason.MATCH);
        output("So the answer is \\boxed{12 socks}", "12", Reason.MATCH);
    }

    @Test
    void minervaStyleFinalAnswerSentenceIsRead() {
        output(
                "Reasoning.\nFinal Answer: The final answer is $2.5\\times 10^{3}$. I hope it is correct.",
                "2500", Reason.MATCH);
    }

    @Test
    void onlyTextAfterAClosedThinkBlockCounts() {
        output("<think>maybe \\boxed{3}</think>The answer is $\\boxed{5}$", "5", Reason.MATCH);
        output("<think>it is \\boxed{5}</think>I am not sure.", "5", Reason.NO_ANSWER);
    }

    @Test
    void unclosedThinkBlockMeansNoAnswer() {
        output("<think>so x = 5 and the answer is \\boxed{5}", "5", Reason.NO_ANSWER);
    }

    @Test
    void truncatedBoxMeansNoAnswer() {
        output("Therefore the answer is $\\boxed{\\frac{1}{2", "\\frac12", Reason.NO_ANSWER);
    }

    @Test
    void truncatedTraceDoesNotMatchABareNumberItContains() {
        output("We have 12 socks. Taking 3 out leaves 9, and then we need to consider", "12", Reason.NO_ANSWER);
        output("We have 12 socks. Taking 3 out leaves 9, and then we need to consider", "9", Reason.NO_ANSWER);
    }

    @Test
    void lastNumberFallbackIsOnlyUsedInRewardMode() {
        String out = "We have 12 socks. Taking 3 out leaves 9";
        VerifyOptions reward = VerifyOptions.defaults().withLastNumberFallback(true);
        assertThat(MathVerifier.verify(out, "9", reward).reason()).isEqualTo(Reason.MATCH);
        assertThat(MathVerifier.verify(out, "9").reason()).isEqualTo(Reason.NO_ANSWER);
    }

    @Test
    void shortOutputThatIsJustAnAnswerCounts() {
        output("$\\frac{1}{2}$", "0.5", Reason.MATCH);
        output("12", "12", Reason.MATCH);
    }

    @Test
    void blankOrNullOutputIsNoAnswerAndBlankGoldIsUnparsable() {
        output(null, "5", Reason.NO_ANSWER);
        output("   \n", "5", Reason.NO_ANSWER);
        output("\\boxed{5}", null, Reason.UNPARSABLE_GOLD);
        output("\\boxed{5}", "  ", Reason.UNPARSABLE_GOLD);
        output("\\boxed{}", "5", Reason.NO_ANSWER);
    }

    @Test
    void extremeBudgetsNeverThrow() {
        VerifyOptions huge = VerifyOptions.defaults().withBudget(java.time.Duration.ofSeconds(Long.MAX_VALUE / 2));
        assertThat(MathVerifier.verify("\\boxed{2}", "2", huge).reason()).isEqualTo(Reason.MATCH);
        VerifyOptions tiny = VerifyOptions.defaults().withBudget(java.time.Duration.ofNanos(1));
        assertThat(MathVerifier.verify("\\boxed{\\sqrt{2}+\\sqrt{3}}", "\\sqrt{5+2\\sqrt6}", tiny)
                        .reason())
                .isIn(Reason.MATCH, Reason.TIMEOUT);
        assertThat(MathVerifier.verify("\\boxed{2}", "2", null).reason()).isEqualTo(Reason.MATCH);
    }

    @Test
    void multipleChoiceLetterIsReadWhenTheGoldIsALetter() {
        output("so it must be $\\boxed{C}$", "C", Reason.MATCH);
        output("so it must be $\\boxed{\\text{(C)}}$", "\\text{(C)}", Reason.MATCH);
        output("$\\boxed{(C)\\ 12}$", "C", Reason.MATCH);
        output("Comparing the options, the answer is (B).", "B", Reason.MATCH);
        output("Comparing the options, the answer is (B).", "D", Reason.MISMATCH);
        output("\\boxed{\\textbf{(E) }\\frac{1}{2}}", "E", Reason.MATCH);
    }

    @Test
    void extractedAnswerIsReportedNormalised() {
        Verdict v = MathVerifier.verify("so $\\boxed{\\dfrac{1}{2}}$", "0.5");
        assertThat(v.extracted()).isEqualTo("\\frac{1}{2}");
        assertThat(MathVerifier.verify("no answer here at all", "5").extracted())
                .isNull();
    }

    @Test
    void warmUpSamplesRunWithoutInternalErrors() {
        // Class initialisation ran every warm-up sample; none may have hit the last-resort handler.
        MathVerifier.verify("\\boxed{1}", "1");
        assertThat(MathVerifier.internalErrors()).isZero();
        for (String[] sample : WarmUp.SAMPLES) {
            MathVerifier.verify(sample[0], sample[1]);
        }
        assertThat(MathVerifier.internalErrors()).isZero();
    }

    @Test
    void goldMayBeAWholeSolutionOrAGsm8kAnswer() {
        output("\\boxed{18}", "She makes 9 * 2 = $18 every day.\n#### 18", Reason.MATCH);
        output("\\boxed{7}", "Thus the total is $\\boxed{7}$.", Reason.MATCH);
    }
}
