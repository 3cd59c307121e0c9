package redispark.jobs.curate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProblemTextTest {

    @Test
    void tokensKeepOperatorsAndIgnoreSpacingAndCase() {
        assertThat(ProblemText.tokens("Compute 3+4.")).containsExactly("compute", "3", "+", "4", ".");
        assertThat(ProblemText.normalised("Compute  3 + 4 .")).isEqualTo(ProblemText.normalised("COMPUTE 3+4."));
        assertThat(ProblemText.normalised("Compute 7 + 3")).isNotEqualTo(ProblemText.normalised("Compute 7 - 3"));
    }

    @Test
    void wordsAreLettersAndDigitsOnly() {
        assertThat(ProblemText.words("Find $\\frac{1}{2}$ of x²."))
                .containsExactly("find", "frac", "1", "2", "of", "x2");
    }

    @Test
    void ngramsAreDistinctAndAShortTextIsOneNgram() {
        assertThat(ProblemText.ngrams(List.of("a", "b", "a", "b", "a"), 2)).containsExactly("a b", "b a");
        assertThat(ProblemText.ngrams(List.of("a", "b"), 3)).containsExactly("a b");
        assertThat(ProblemText.ngrams(List.of(), 3)).isEmpty();
    }
}
