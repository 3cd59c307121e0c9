package redispark.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Greedy output held to the fixture recorded from the sampler before continuous batching and the kernel path
 * ({@link SamplerModels#FIXTURE}), token for token.
 */
class SamplerFixtureTest extends EngineTestBase {

    /** Both models, both paths, all prompts in one batch and two rows refilled as prompts finish. */
    static Stream<Arguments> cases() {
        return Stream.of("parity", "sharpened")
                .flatMap(name -> Stream.of(Sampler.Path.values())
                        .flatMap(path -> Stream.of(64, 2).map(rows -> Arguments.of(name, path, rows))));
    }

    @ParameterizedTest(name = "{0} {1} rows={2}")
    @MethodSource("cases")
    void greedyOutputIsTheRecordedOne(String name, Sampler.Path path, int rows) throws Exception {
        List<long[]> expected = SamplerModels.recorded(name);
        try (Qwen2Model model = name.equals("parity") ? SamplerModels.parity(root) : SamplerModels.sharpened(root)) {
            List<long[]> prompts = SamplerModels.fixturePrompts(model.config().vocabSize());
            List<Generation> out = new Sampler(model, path, rows)
                    .generate(prompts, SamplingParams.greedy(SamplerModels.FIXTURE_TOKENS), new long[0]);
            assertThat(expected).hasSize(prompts.size());
            for (int i = 0; i < prompts.size(); i++) {
                assertThat(out.get(i).tokens()).as(name + " prompt " + i).containsExactly(expected.get(i));
            }
        }
    }
}
