package redispark.teacher;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import redispark.model.Generation;
import redispark.model.Qwen2Model;
import redispark.model.Sampler;
import redispark.model.SamplingParams;
import redispark.text.ChatTemplate;
import redispark.text.TextTokenizer;

/**
 * A {@link Teacher} that samples from a checkpoint folder (a Hugging Face folder: {@code config.json},
 * {@code *.safetensors}, {@code tokenizer.json}, {@code tokenizer_config.json}) with the project's own model,
 * sampler and chat template: the prompt is {@link ChatTemplate#prompt} of the problem, exactly as the student is
 * prompted in training and evaluation, and generation stops on EOS or the template's end-of-turn token.
 *
 * <p><b>Determinism</b>: the {@code n} samples of a problem are one batch of {@code n} copies of its prompt,
 * sampled with a seed derived from {@code (seed, problemId, problem)}; row {@code i} is sample {@code i}. The same
 * {@code (problem, n, seed)} gives the same samples, and asking only for some indices ({@link
 * #sampleWithUsage}'s {@code alreadyDone}) still runs the whole batch, so a rerun's samples equal a first run's.
 *
 * <p><b>Failures</b> (a prompt too long for the model's context, a text the tokenizer or template refuses) come
 * back as samples with {@link TeacherSample#error()} set, never as exceptions.
 *
 * <p>One instance holds native memory: {@link #close()} it. Calls are serialised (one sampling at a time).
 */
public final class LocalModelTeacher implements Teacher, AutoCloseable {

    /**
     * How tokens are picked (as {@link SamplingParams}, without the seed).
     *
     * @param temperature 0 = greedy
     * @param topP nucleus mass in (0, 1]
     * @param maxNewTokens completion tokens per sample, at least 1
     */
    public record Settings(double temperature, double topP, int maxNewTokens) implements java.io.Serializable {
        public Settings {
            if (!(temperature >= 0) || Double.isInfinite(temperature)) {
                throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
            }
            if (!(topP > 0 && topP <= 1)) {
                throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
            }
            if (maxNewTokens < 1) {
                throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
            }
        }
    }

    /**
     * One sample with its exact token counts.
     *
     * @param promptTokens tokens of the templated prompt; {@code null} when the sample failed
     * @param completionTokens generated tokens (stop token not counted); {@code null} when the sample failed
     */
    public record Sample(TeacherSample sample, Integer promptTokens, Integer completionTokens) {
        public Sample {
            Objects.requireNonNull(sample, "sample");
        }

        static Sample failed(int sampleIdx, String error) {
            return new Sample(TeacherSample.failed(sampleIdx, error), null, null);
        }
    }

    /** Longest error reason kept in a sample. */
    static final int MAX_REASON_CHARS = 300;

    private final String name;
    private final Settings settings;
    private final NDManager manager;
    private final Qwen2Model model;
    private final TextTokenizer tokenizer;
    private final ChatTemplate template;
    private final Sampler sampler;
    private final long[] stopTokens;

    private LocalModelTeacher(
            String name,
            Settings settings,
            NDManager manager,
            Qwen2Model model,
            TextTokenizer tokenizer,
            ChatTemplate template) {
        this.name = name;
        this.settings = settings;
        this.manager = manager;
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = template;
        this.sampler = new Sampler(model);
        long imEnd = -1;
        try {
            imEnd = tokenizer.tokenId(template.endOfTurn());
        } catch (IllegalArgumentException e) {
            // an end-of-turn marker that is several tokens: EOS alone stops generation
        }
        this.stopTokens = imEnd >= 0 && imEnd != tokenizer.eosId()
                ? new long[] {tokenizer.eosId(), imEnd}
                : new long[] {tokenizer.eosId()};
    }

    /**
     * Loads the model, tokenizer and chat template of {@code modelDir}.
     *
     * @throws IllegalArgumentException when the folder is not a loadable model folder
     */
    public static LocalModelTeacher load(Path modelDir, Settings settings) {
        Objects.requireNonNull(modelDir, "modelDir");
        Objects.requireNonNull(settings, "settings");
        NDManager manager = NDManager.newBaseManager();
        Qwen2Model model = null;
        TextTokenizer tokenizer = null;
        try {
            model = Qwen2Model.load(modelDir, manager);
            tokenizer = TextTokenizer.load(modelDir);
            ChatTemplate template = ChatTemplate.load(modelDir);
            Path file = modelDir.getFileName();
            return new LocalModelTeacher(
                    "local:" + (file == null ? modelDir : file), settings, manager, model, tokenizer, template);
        } catch (RuntimeException e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            if (model != null) {
                model.close();
            }
            manager.close();
            throw e;
        }
    }

    /** {@code local:<folder name>}. */
    @Override
    public String name() {
        return name;
    }

    public Settings settings() {
        return settings;
    }

    @Override
    public List<TeacherSample> sample(Problem problem, int n, long seed) {
        List<TeacherSample> out = new ArrayList<>();
        for (Sample s : sampleWithUsage(problem, n, seed, Set.of())) {
            out.add(s.sample());
        }
        return out;
    }

    /**
     * The samples of {@code 0..n-1} that are not in {@code alreadyDone}, sorted by index, with token counts (an
     * empty list when all are done). Sample {@code i} is the same whatever {@code alreadyDone} holds.
     *
     * @throws IllegalArgumentException only for bad arguments ({@code n < 0}); sampling failures become rows
     */
    public synchronized List<Sample> sampleWithUsage(Problem problem, int n, long seed, Set<Integer> alreadyDone) {
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(alreadyDone, "alreadyDone");
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, got " + n);
        }
        List<Integer> wanted = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (!alreadyDone.contains(i)) {
                wanted.add(i);
            }
        }
        if (wanted.isEmpty()) {
            return List.of();
        }
        List<Sample> out = new ArrayList<>(wanted.size());
        try {
            long[] prompt = tokenizer.encode(template.prompt(problem.problem()));
            int context = model.config().maxPositions();
            if (prompt.length + settings.maxNewTokens() > context) {
                throw new IllegalArgumentException("prompt of " + prompt.length + " tokens + " + settings.maxNewTokens()
                        + " new tokens exceeds the model's context of " + context);
            }
            SamplingParams params = new SamplingParams(
                    settings.temperature(), settings.topP(), settings.maxNewTokens(), problemSeed(problem, seed));
            List<Generation> generations = sampler.generate(Collections.nCopies(n, prompt), params, stopTokens);
            for (int i : wanted) {
                Generation g = generations.get(i);
                String text = tokenizer.decode(g.tokens());
                out.add(new Sample(
                        new TeacherSample(i, text, g.finishReason(), text.length(), null),
                        prompt.length,
                        g.tokens().length));
            }
        } catch (RuntimeException e) {
            String reason = reason(e);
            out.clear();
            for (int i : wanted) {
                out.add(Sample.failed(i, reason));
            }
        }
        return out;
    }

    /** The sampler seed of one problem: every part changes it. */
    static long problemSeed(Problem problem, long seed) {
        return Rng.of(seed, Rng.hash(problem.problemId()), Rng.hash(problem.problem()))
                .nextLong();
    }

    private static String reason(RuntimeException e) {
        String s = (e instanceof IllegalArgumentException ? "" : e.getClass().getSimpleName() + ": ")
                + String.valueOf(e.getMessage());
        s = s.replaceAll("\\s+", " ").strip();
        return s.length() <= MAX_REASON_CHARS ? s : s.substring(0, MAX_REASON_CHARS - 3) + "...";
    }

    @Override
    public synchronized void close() {
        tokenizer.close();
        model.close();
        manager.close();
    }

    @Override
    public String toString() {
        return "LocalModelTeacher[" + name + ", " + settings + "]";
    }
}
