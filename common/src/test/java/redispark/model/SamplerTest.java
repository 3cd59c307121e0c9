package redispark.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import java.util.List;
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
    void greedyKernelAndEagerPathsGiveIdenticalTokens() {
        SamplingParams g = SamplingParams.greedy(24);
        List<Generation> kernel = sampler.generate(prompts(), g, NO_STOP);
        List<Generation> eager = new Sampler(model, Sampler.Path.EAGER, 64).generate(prompts(), g, NO_STOP);
        assertThat(java.util.Arrays.stream(kernel.get(0).tokens()).distinct().count())
                .as("varied output")
                .isGreaterThan(5);
        for (int i = 0; i < 3; i++) {
            assertThat(kernel.get(i).tokens())
                    .as("row " + i)
                    .hasSize(24)
                    .containsExactly(eager.get(i).tokens());
            assertThat(kernel.get(i).finishReason()).isEqualTo("length");
        }
    }

    /** Three prompts × three samples each, seeded per (problem, sample). */
    static List<Sampler.Request> requests() {
        List<Sampler.Request> out = new java.util.ArrayList<>();
        for (int q = 0; q < 3; q++) {
            for (int s = 0; s < 3; s++) {
                out.add(new Sampler.Request(prompts().get(q), Sampler.seed(11, q, s)));
            }
        }
        return out;
    }

    /** A token that some but not all of these outputs contain: as a stop token it ends only some rows early. */
    static long splittingToken(List<Generation> outputs) {
        java.util.Map<Long, Integer> rowsWith = new java.util.TreeMap<>();
        for (Generation g : outputs) {
            java.util.Arrays.stream(g.tokens()).distinct().forEach(t -> rowsWith.merge(t, 1, Integer::sum));
        }
        return rowsWith.entrySet().stream()
                .filter(e -> e.getValue() > 1 && e.getValue() < outputs.size() - 1)
                .findFirst()
                .orElseThrow()
                .getKey();
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(Sampler.Path.class)
    void continuousBatchingGivesEachRequestWhatItGetsAlone(Sampler.Path path) {
        SamplingParams p = new SamplingParams(1.5, 0.9, 20, 0);
        long[] stop = {splittingToken(new Sampler(model, path, 9).generateAll(requests(), p, NO_STOP))};
        List<Generation> batched = new Sampler(model, path, 4).generateAll(requests(), p, stop);
        java.util.Set<Integer> lengths = new java.util.HashSet<>();
        java.util.Set<String> distinct = new java.util.HashSet<>();
        for (int i = 0; i < requests().size(); i++) {
            Generation alone = new Sampler(model, path, 1)
                    .generateAll(List.of(requests().get(i)), p, stop)
                    .get(0);
            assertThat(batched.get(i).tokens()).as("request " + i).containsExactly(alone.tokens());
            assertThat(batched.get(i).finishReason()).as("request " + i).isEqualTo(alone.finishReason());
            lengths.add(alone.tokens().length);
            distinct.add(java.util.Arrays.toString(alone.tokens()));
        }
        // rows of different lengths finish at different steps, so rows are refilled mid-run
        assertThat(lengths).as("output lengths").hasSizeGreaterThan(1);
        assertThat(distinct).as("samples of one prompt differ").hasSizeGreaterThan(3);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(Sampler.Path.class)
    void stopTokensAndTheLengthLimitEndRowsInAContinuousBatch(Sampler.Path path) {
        SamplingParams p = new SamplingParams(1.5, 0.9, 20, 0);
        List<Generation> free = new Sampler(model, path, 2).generateAll(requests(), p, NO_STOP);
        long[] stops = {splittingToken(free), 1000}; // an id the vocabulary does not have never stops anything
        List<Generation> out = new Sampler(model, path, 2).generateAll(requests(), p, stops);
        java.util.Set<String> reasons = new java.util.HashSet<>();
        for (int i = 0; i < out.size(); i++) {
            Generation g = out.get(i);
            reasons.add(g.finishReason());
            assertThat(g.tokens()).as("request " + i).doesNotContain(stops[0]);
            long[] unstopped = free.get(i).tokens();
            assertThat(unstopped).hasSize(20);
            if (g.finishReason().equals("length")) {
                assertThat(g.tokens()).containsExactly(unstopped);
            } else {
                // the same draws up to the first stop token, which ends the row and is not returned
                assertThat(g.finishReason()).isEqualTo("stop");
                assertThat(unstopped[g.tokens().length]).isEqualTo(stops[0]);
                assertThat(g.tokens()).containsExactly(java.util.Arrays.copyOf(unstopped, g.tokens().length));
            }
        }
        assertThat(reasons).containsExactlyInAnyOrder("stop", "length");
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
    void cacheBudgetIsTheHostBudgetOnTheCpuAndAShareOfFreeMemoryOnAGpu() {
        assertThat(Sampler.cacheBudget(Device.cpu())).isEqualTo(Sampler.HOST_CACHE_BUDGET_BYTES);
        long free = 70L << 30; // an H100 with a 1.5B model loaded
        assertThat(Sampler.gpuCacheBudget(free)).isEqualTo((long) (0.8 * free));
        // Qwen2.5-1.5B at 32k positions: 28 layers x K and V x 2 heads x 128 x fp32 = 1.75 GiB a row,
        // so 32 rows decode together on the GPU and 2 on the host
        long row = 28L * 2 * 2 * 32_768 * 128 * 4;
        assertThat(Sampler.gpuCacheBudget(free) / row).isEqualTo(32);
        assertThat(Sampler.HOST_CACHE_BUDGET_BYTES / row).isEqualTo(2);
        assertThat(Sampler.gpuCacheBudget(0)).isEqualTo(1);
        assertThat(Sampler.gpuCacheBudget(-5)).isEqualTo(1);
    }
}
