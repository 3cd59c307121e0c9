package redispark.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SamplerTest {

    static NDManager root;
    static Qwen2Model model;
    static Sampler sampler;
    static final long[] NO_STOP = {};

    @BeforeAll
    static void sharpenedTinyModel() {
        Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(1);
        root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        model = SamplerModels.sharpened(root);
        sampler = new Sampler(model);
    }

    @AfterAll
    static void close() {
        model.close();
        root.close();
    }

    static List<long[]> prompts() {
        return List.of(new long[] {1, 20, 30, 40, 50, 60, 70}, new long[] {1, 33}, new long[] {1, 44, 45, 46});
    }

    @Test
    void greedyWithAndWithoutCacheGivesIdenticalTokens() {
        SamplingParams g = SamplingParams.greedy(24);
        List<Generation> cached = sampler.generate(prompts(), g, NO_STOP);
        List<Generation> full = sampler.generateWithoutCache(prompts(), g, NO_STOP);
        assertThat(java.util.Arrays.stream(cached.get(0).tokens()).distinct().count())
                .as("varied output")
                .isGreaterThan(5);
        for (int i = 0; i < 3; i++) {
            assertThat(cached.get(i).tokens())
                    .as("row " + i)
                    .hasSize(24)
                    .containsExactly(full.get(i).tokens());
            assertThat(cached.get(i).finishReason()).isEqualTo("length");
        }
    }

    @Test
    void batchedPromptsOfDifferentLengthsMatchOneAtATime() {
        SamplingParams g = SamplingParams.greedy(16);
        List<Generation> batched = sampler.generate(prompts(), g, NO_STOP);
        for (int i = 0; i < 3; i++) {
            List<Generation> alone = sampler.generate(List.of(prompts().get(i)), g, NO_STOP);
            assertThat(batched.get(i).tokens())
                    .as("row " + i)
                    .containsExactly(alone.get(0).tokens());
        }
    }

    @Test
    void samplingIsDeterministicUnderASeed() {
        SamplingParams p = new SamplingParams(100.0, 0.95, 20, 42);
        List<Generation> a = sampler.generate(prompts(), p, NO_STOP);
        List<Generation> b = sampler.generate(prompts(), p, NO_STOP);
        List<Generation> c = sampler.generate(prompts(), new SamplingParams(100.0, 0.95, 20, 43), NO_STOP);
        boolean anyDiff = false;
        for (int i = 0; i < 3; i++) {
            assertThat(a.get(i).tokens()).containsExactly(b.get(i).tokens());
            anyDiff |= !java.util.Arrays.equals(a.get(i).tokens(), c.get(i).tokens());
        }
        assertThat(anyDiff).isTrue();
    }

    @Test
    void tinyTopPIsGreedy() {
        List<Generation> greedy = sampler.generate(prompts(), SamplingParams.greedy(12), NO_STOP);
        List<Generation> nucleus = sampler.generate(prompts(), new SamplingParams(1.0, 1e-9, 12, 5), NO_STOP);
        for (int i = 0; i < 3; i++) {
            assertThat(nucleus.get(i).tokens()).containsExactly(greedy.get(i).tokens());
        }
    }

    @Test
    void rowStopsAtAStopTokenWhichIsNotReturned() {
        long[] free = sampler.generate(prompts(), SamplingParams.greedy(10), NO_STOP)
                .get(0)
                .tokens();
        long stop = free[3];
        int first = 0;
        while (free[first] != stop) {
            first++;
        }
        Generation g = sampler.generate(prompts(), SamplingParams.greedy(10), new long[] {stop})
                .get(0);
        assertThat(g.finishReason()).isEqualTo("stop");
        assertThat(g.tokens()).containsExactly(java.util.Arrays.copyOf(free, first));
    }

    @Test
    void zeroNewTokensAndBadPromptsAreHandled() {
        assertThat(sampler.generate(prompts(), SamplingParams.greedy(0), NO_STOP))
                .allSatisfy(g -> assertThat(g.tokens()).isEmpty());
        assertThatThrownBy(() -> sampler.generate(List.of(new long[] {1, 999}), SamplingParams.greedy(2), NO_STOP))
                .hasMessageContaining("999");
        assertThatThrownBy(() -> sampler.generate(List.of(new long[] {1}), SamplingParams.greedy(600), NO_STOP))
                .hasMessage("a prompt of 1 tokens + 600 new tokens reaches position 600, past max_position_embeddings"
                        + " 512 of the model: set student.max-position-embeddings (and student.rope-theta) to extend the"
                        + " context of the model trained, or ask for fewer tokens");
    }

    @Test
    void generationLeavesNothingInTheModelManagerAndRestoresGradMode() {
        sampler.generate(prompts(), SamplingParams.greedy(2), NO_STOP); // rope tables exist from here on
        int before = model.manager().getManagedArrays().size();
        JniUtils.setGradMode(true);
        try {
            sampler.generate(prompts(), new SamplingParams(0.7, 0.9, 12, 1), NO_STOP);
            assertThat(JniUtils.isGradMode()).isTrue();
        } finally {
            JniUtils.setGradMode(false);
        }
        assertThat(model.manager().getManagedArrays()).hasSize(before);
    }

    @Test
    void topPSamplesOnlyFromTheNucleus() {
        float[] logits = {0f, 3f, 2.9f, -5f}; // p ≈ 0.03, 0.50, 0.46, 0.0002
        SplittableRandom rng = new SplittableRandom(1);
        SamplingParams p = new SamplingParams(1.0, 0.9, 1, 0);
        for (int i = 0; i < 200; i++) {
            assertThat(Sampler.pick(logits, 0, 4, p, rng)).isIn(1L, 2L);
        }
        assertThat(Sampler.pick(logits, 0, 4, SamplingParams.greedy(1), rng)).isEqualTo(1L);
    }
}
