package redispark.verify;

import static org.assertj.core.api.Assertions.assertThat;

/** Assertion helpers: a prediction (boxed unless it already is a model output) against a gold. */
final class Verdicts {

    /**
     * For tests of verdicts, not of speed: a budget no loaded machine turns into a timeout (the wall-clock
     * cap is hard, so a thread descheduled past 150 ms would time out). Time limits have their own tests.
     */
    static final VerifyOptions UNHURRIED = VerifyOptions.defaults().withBudget(java.time.Duration.ofSeconds(2));

    private Verdicts() {}

    static Verdict boxed(String answer, String gold) {
        return MathVerifier.verify("Reasoning omitted. The result is $\\boxed{" + answer + "}$.", gold, UNHURRIED);
    }

    /** The boxed answer must be judged equal to the gold. */
    static void same(String answer, String gold) {
        Verdict v = boxed(answer, gold);
        assertThat(v.reason()).as("%s vs gold %s -> %s", answer, gold, v).isEqualTo(Reason.MATCH);
        assertThat(v.correct()).isTrue();
    }

    /** The boxed answer must be judged different from the gold (a mismatch, not a parse failure). */
    static void different(String answer, String gold) {
        Verdict v = boxed(answer, gold);
        assertThat(v.reason()).as("%s vs gold %s -> %s", answer, gold, v).isEqualTo(Reason.MISMATCH);
        assertThat(v.correct()).isFalse();
    }

    static void output(String modelOutput, String gold, Reason expected) {
        Verdict v = MathVerifier.verify(modelOutput, gold, UNHURRIED);
        assertThat(v.reason())
                .as("output %s vs gold %s -> %s", modelOutput, gold, v)
                .isEqualTo(expected);
        assertThat(v.correct()).isEqualTo(expected == Reason.MATCH);
    }
}
