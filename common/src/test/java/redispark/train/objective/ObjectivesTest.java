package redispark.train.objective;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ObjectivesTest {
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private SequenceLogProbs logps(float[] sums, float[] counts) {
        return new SequenceLogProbs(manager.create(sums), manager.create(counts));
    }

    @Test
    void rediMatchesTheHandComputedPairLoss() {
        // chosen −2.0 over 4 tokens, rejected −6.0 over 3 tokens, α = 0.8: 0.5 + 0.8 · (−2.0) = −1.1
        Redi.PairLoss loss = Redi.loss(logps(new float[] {-2f}, new float[] {4f}),
                logps(new float[] {-6f}, new float[] {3f}), manager.create(0.8f));
        assertThat(loss.mean().getFloat()).isCloseTo(-1.1f, within(1e-6f));
    }

    @Test
    void rediAveragesOverPairs() {
        // pair 1 as above (−1.1); pair 2: chosen −3 over 3 → 1.0, rejected −1 over 2 → 0.8·(−0.5) = −0.4 → 0.6
        Redi.PairLoss loss = Redi.loss(logps(new float[] {-2f, -3f}, new float[] {4f, 3f}),
                logps(new float[] {-6f, -1f}, new float[] {3f, 2f}), manager.create(0.8f));
        assertThat(loss.perPair().toFloatArray()).containsExactly(new float[] {-1.1f, 0.6f}, within(1e-6f));
        assertThat(loss.mean().getFloat()).isCloseTo(-0.25f, within(1e-6f));
    }

    @Test
    void rediWithAlphaZeroIsLengthNormalisedSft() {
        Redi.PairLoss loss = Redi.loss(logps(new float[] {-2f, -3f}, new float[] {4f, 3f}),
                logps(new float[] {-6f, -1f}, new float[] {3f, 2f}), manager.create(0f));
        assertThat(loss.mean().getFloat()).isCloseTo((0.5f + 1.0f) / 2, within(1e-6f));
    }

    @Test
    void sftIsTheTokenMeanOverTheWholeBatch() {
        // (2 + 3) / (4 + 3): long sequences weigh by their token count
        NDArray loss = Sft.loss(logps(new float[] {-2f, -3f}, new float[] {4f, 3f}));
        assertThat(loss.getFloat()).isCloseTo(5f / 7f, within(1e-6f));
    }

    @Test
    void sftRefusesABatchWithoutCompletionTokens() {
        assertThatThrownBy(() -> Sft.loss(logps(new float[] {0f}, new float[] {0f})))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no completion tokens");
    }
}
