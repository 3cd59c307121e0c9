package redispark.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redispark.model.ModelConfig;
import redispark.model.Qwen2Model;
import redispark.model.TinyStudent;
import redispark.teacher.BuiltInTeacher;
import redispark.teacher.Problem;
import redispark.teacher.ProblemSpec;
import redispark.teacher.SampleTrace;
import redispark.teacher.SyntheticProblems;
import redispark.text.ChatTemplate;
import redispark.text.TextTokenizer;

/**
 * Test data for the trainer: the embedded student's tokenizer and chat template with a smaller decoder (d 48,
 * 2 layers, ~60 k parameters, so a step takes milliseconds), and the built-in teacher's traces of a few synthetic
 * problems, tokenised through {@link Admission} exactly as training does.
 */
final class TrainFixture {
    /** vocab 128, d 48, MLP 96, 2 layers, 4 heads / 2 KV heads, 512 positions, tied, bos 0, eos 2. */
    static final ModelConfig SMALL =
            new ModelConfig(TinyStudent.VOCAB_SIZE, 48, 96, 2, 4, 2, 10000.0, 1e-6, 512, true, 0, 2);

    static final int MAX_SEQ_LEN = 384;

    final Path dir;
    final long padId;
    final List<TokenizedExample> positives = new ArrayList<>();
    final List<TokenizedExample> negatives = new ArrayList<>();
    final List<TokenizedPair> pairs = new ArrayList<>();
    /** Text of every (problem, trace) kept, for tests that go through {@link TrainWorker}. */
    final List<TrainWorker.TextRow> pairRows = new ArrayList<>();

    TrainFixture(Path dir, int problems) {
        this.dir = dir;
        TinyStudent.write(dir, 1);
        try (NDManager m = NDManager.newBaseManager();
                Qwen2Model small = Qwen2Model.create(SMALL, 1, m)) {
            small.save(dir);
        }
        pinChatTemplate(dir);
        BuiltInTeacher teacher = new BuiltInTeacher();
        try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
            padId = tokenizer.padId();
            ChatTemplate template = ChatTemplate.load(dir);
            for (Problem p : SyntheticProblems.generate(
                    ProblemSpec.defaults().withCount(problems).withSteps(1, 2))) {
                TokenizedExample good = null;
                TokenizedExample bad = null;
                String goodText = null;
                String badText = null;
                int i = 0;
                for (SampleTrace t : teacher.traces(p, 4, 3)) {
                    if (t.truncated()) {
                        continue;
                    }
                    String id = p.problemId() + "#" + i++;
                    Admission.Tokenized e =
                            Admission.tokenize(id, p.problem(), t.sample().text(), tokenizer, template, MAX_SEQ_LEN);
                    if (!e.ok()) {
                        continue;
                    }
                    (t.intendedCorrect() ? positives : negatives).add(e.example());
                    if (t.intendedCorrect() && good == null) {
                        good = e.example();
                        goodText = t.sample().text();
                    } else if (!t.intendedCorrect() && bad == null) {
                        bad = e.example();
                        badText = t.sample().text();
                    }
                }
                if (good != null && bad != null) {
                    pairs.add(new TokenizedPair(p.problemId(), good, bad));
                    pairRows.add(TrainWorker.TextRow.pair(p.problemId(), p.problem(), goodText, badText, null));
                }
            }
        }
    }

    /** The first correct trace of every problem that has one (the paper's SFT selection). */
    List<TokenizedExample> firstPositives() {
        Map<String, TokenizedExample> first = new LinkedHashMap<>();
        for (TokenizedExample e : positives) {
            first.putIfAbsent(e.id().substring(0, e.id().indexOf('#')), e);
        }
        return new ArrayList<>(first.values());
    }

    /**
     * Puts libtorch on one intra-op thread and returns the previous count (restore it after the class). The test
     * model is so small that a second thread only adds OpenMP spin, which on a shared 2-core machine makes steps
     * about ten times slower.
     */
    static int oneThread() {
        ai.djl.engine.Engine.getEngine("PyTorch"); // loads the native library
        int previous = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
        return previous;
    }

    /**
     * The fixture keeps its own prompt format (ChatML with a short system turn), like its own model shape, so the
     * training-dynamics tests do not move when the embedded student's template is tuned.
     */
    private static void pinChatTemplate(Path dir) {
        Path config = dir.resolve("tokenizer_config.json");
        try {
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            com.fasterxml.jackson.databind.node.ObjectNode root =
                    (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(config.toFile());
            root.put("chat_template", ChatTemplate.CHATML.replace("default_system", "'Solve the problem.'"));
            json.writeValue(config.toFile(), root);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Recipe recipe(double lr, int epochs, int batch, int micro, double alpha, double beta, double gamma) {
        return new Recipe(lr, epochs, batch, micro, 0.1, 1e-4, 1.0, alpha, beta, gamma, 7);
    }

    /** Every weight of the model, flattened in parameter order. */
    static Map<String, float[]> weights(Qwen2Model model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            out.put(e.getKey(), e.getValue().toFloatArray());
        }
        return out;
    }
}
