package redispark.model;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The models the sampler tests decode with, and the fixture of their greedy output ({@code sampler-greedy.json}). The
 * committed fixture was recorded by {@link #main} from the earlier sampler (left-padded batches, a cache grown by
 * concatenation, token choice in Java); {@link #main} now records the eager path.
 */
final class SamplerModels {

    /** Where the fixture lives under the test resources. */
    static final String FIXTURE = "/model/sampler-greedy.json";

    /** Greedy tokens per fixture prompt. */
    static final int FIXTURE_TOKENS = 24;

    private SamplerModels() {}

    /**
     * The tiny student's shape, untied, with weights scaled up: attention is sharp and position-dependent and the
     * logits are far apart, so greedy choices are varied and not decided by rounding noise.
     */
    static Qwen2Model sharpened(NDManager root) {
        ModelConfig t = TinyStudent.config();
        ModelConfig untied = new ModelConfig(
                t.vocabSize(),
                t.hiddenSize(),
                t.intermediateSize(),
                t.numLayers(),
                t.numHeads(),
                t.numKvHeads(),
                t.ropeTheta(),
                t.rmsNormEps(),
                t.maxPositions(),
                false,
                0,
                2);
        Qwen2Model model = Qwen2Model.create(untied, 21, root);
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        for (var e : model.parameters().entrySet()) {
            if (e.getValue().getShape().dimension() == 2) {
                e.getValue().muli(e.getKey().equals("lm_head.weight") ? 30 : 5);
            }
        }
        JniUtils.setGradMode(grad);
        return model;
    }

    /** The float64-checked parity model of {@code src/test/resources/model/parity}. */
    static Qwen2Model parity(NDManager root) {
        try {
            return Qwen2Model.load(
                    Path.of(SamplerModels.class
                            .getResource("/model/parity/model")
                            .toURI()),
                    root);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Fixture prompts for a vocabulary: lengths 1 to 20, random ids, fixed seed. */
    static List<long[]> fixturePrompts(int vocab) {
        SplittableRandom rng = new SplittableRandom(2024);
        List<long[]> out = new ArrayList<>();
        for (int len : new int[] {1, 3, 7, 12, 20}) {
            long[] p = new long[len];
            for (int j = 0; j < len; j++) {
                p[j] = rng.nextInt(vocab);
            }
            out.add(p);
        }
        return out;
    }

    /** The recorded greedy tokens of model {@code name}, one array per fixture prompt. */
    static List<long[]> recorded(String name) throws IOException {
        JsonNode root = new ObjectMapper().readTree(SamplerModels.class.getResourceAsStream(FIXTURE));
        List<long[]> out = new ArrayList<>();
        for (JsonNode row : root.get(name)) {
            JsonNode t = row.get("tokens");
            long[] ids = new long[t.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = t.get(i).asLong();
            }
            out.add(ids);
        }
        return out;
    }

    /** Writes the fixture to {@code args[0]}. */
    public static void main(String[] args) throws IOException {
        ai.djl.engine.Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(1);
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("max_new_tokens", FIXTURE_TOKENS);
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            for (String name : List.of("parity", "sharpened")) {
                try (Qwen2Model model = name.equals("parity") ? parity(m) : sharpened(m)) {
                    List<long[]> prompts = fixturePrompts(model.config().vocabSize());
                    List<Generation> out =
                            new Sampler(model).generate(prompts, SamplingParams.greedy(FIXTURE_TOKENS), new long[0]);
                    ArrayNode rows = root.putArray(name);
                    for (int i = 0; i < prompts.size(); i++) {
                        ObjectNode row = rows.addObject();
                        ArrayNode p = row.putArray("prompt");
                        for (long id : prompts.get(i)) {
                            p.add(id);
                        }
                        ArrayNode t = row.putArray("tokens");
                        for (long id : out.get(i).tokens()) {
                            t.add(id);
                        }
                    }
                }
            }
        }
        Path target = Path.of(args[0]);
        Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), ".fixture-", ".tmp");
        json.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root);
        Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
