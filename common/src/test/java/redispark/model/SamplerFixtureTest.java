package redispark.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Greedy output held to the recorded fixture ({@link SamplerModels#FIXTURE}), token for token. */
class SamplerFixtureTest {

    static NDManager root;

    @BeforeAll
    static void engine() {
        Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(1);
        root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterAll
    static void close() {
        root.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"parity", "sharpened"})
    void greedyOutputIsTheRecordedOne(String name) throws Exception {
        List<long[]> expected = SamplerModels.recorded(name);
        try (Qwen2Model model = name.equals("parity") ? SamplerModels.parity(root) : SamplerModels.sharpened(root)) {
            List<long[]> prompts = SamplerModels.fixturePrompts(model.config().vocabSize());
            List<Generation> out = new Sampler(model)
                    .generate(prompts, SamplingParams.greedy(SamplerModels.FIXTURE_TOKENS), new long[0]);
            assertThat(expected).hasSize(prompts.size());
            for (int i = 0; i < prompts.size(); i++) {
                assertThat(out.get(i).tokens()).as(name + " prompt " + i).containsExactly(expected.get(i));
            }
        }
    }
}
