package redispark.teacher.openai;

import java.io.Serializable;
import java.net.URI;
import java.util.Objects;
import redispark.teacher.openai.OpenAiClient.Mode;

/**
 * What an {@link OpenAiTeacher} asks an OpenAI-compatible server for: the connection ({@link OpenAiClientConfig}),
 * the endpoint, the prompt and the sampling settings of every request.
 *
 * @param client where and how requests go (server, served model, timeouts, retries, API key source, limits)
 * @param mode which endpoint to call
 * @param systemPrompt an optional system message ({@code null} = none); chat mode only
 * @param promptTemplate the user message (chat) or the raw prompt (completions); {@code {problem}} is replaced by
 *     the problem text, nothing else is interpreted (so {@code \boxed{}} stays as written)
 * @param responsePrefix prepended to each completion unless it already starts with it; e.g. {@code "<think>\n"}
 *     for R1-distill models whose chat template puts the opening tag into the prompt
 * @param temperature sampling temperature, {@code >= 0}
 * @param topP nucleus mass in (0, 1]
 * @param maxTokens the {@code max_tokens} of every request (completion tokens per sample)
 * @param maxChoicesPerRequest the largest {@code n} sent in one request; bigger {@code n} is split
 * @param sendSeed whether to send the {@code seed} field (a few hosted APIs reject it)
 */
public record OpenAiTeacherConfig(
        OpenAiClientConfig client,
        Mode mode,
        String systemPrompt,
        String promptTemplate,
        String responsePrefix,
        double temperature,
        double topP,
        int maxTokens,
        int maxChoicesPerRequest,
        boolean sendSeed)
        implements Serializable {

    private static final long serialVersionUID = 2L;

    /** The placeholder that {@link #promptTemplate} must contain. */
    public static final String PROBLEM_PLACEHOLDER = "{problem}";

    /**
     * The open-r1 generation prompt (scripts/generate_reasoning.py, which wrote the OpenR1-Math traces REDI trains
     * on): the R1 instruction "Please reason step by step, and put your final answer within \boxed{}." put before
     * the problem.
     */
    public static final String R1_TEMPLATE =
            "You will be given a problem. Please reason step by step, and put your final answer within"
                    + " \\boxed{}:\n"
                    + PROBLEM_PLACEHOLDER;

    public OpenAiTeacherConfig {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(mode, "mode");
        if (systemPrompt != null && mode == Mode.COMPLETIONS) {
            throw new IllegalArgumentException(
                    "systemPrompt is only used in CHAT mode; in COMPLETIONS mode put it into promptTemplate");
        }
        if (promptTemplate == null || !promptTemplate.contains(PROBLEM_PLACEHOLDER)) {
            throw new IllegalArgumentException("promptTemplate must contain " + PROBLEM_PLACEHOLDER + ", got "
                    + OpenAiClientConfig.quote(promptTemplate));
        }
        Objects.requireNonNull(responsePrefix, "responsePrefix (use \"\" for none)");
        OpenAiClient.checkSampling(temperature, topP, maxTokens);
        if (maxChoicesPerRequest < 1) {
            throw new IllegalArgumentException("maxChoicesPerRequest must be >= 1, got " + maxChoicesPerRequest);
        }
    }

    /**
     * A local vLLM server ({@link OpenAiClientConfig#defaults()}) with open-r1's generation settings: chat mode,
     * {@link #R1_TEMPLATE}, temperature 0.6, top-p 0.95, 16,384 tokens (REDI later drops traces over 19,000 tokens,
     * so longer ones would be wasted), up to 16 choices per request, seeds sent.
     */
    public static OpenAiTeacherConfig defaults() {
        return new OpenAiTeacherConfig(
                OpenAiClientConfig.defaults(), Mode.CHAT, null, R1_TEMPLATE, "", 0.6, 0.95, 16_384, 16, true);
    }

    /** The served model every request names. */
    public String model() {
        return client.model();
    }

    /** The endpoint the teacher posts to. */
    public URI endpoint() {
        return OpenAiClient.endpoint(client, mode);
    }

    /** The user message (chat) or raw prompt (completions) for one problem. */
    public String render(String problemText) {
        return promptTemplate.replace(PROBLEM_PLACEHOLDER, problemText);
    }
}
