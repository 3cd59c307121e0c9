package redispark.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one prompt/completion renderer shared by generation, training and evaluation: the {@code chat_template} of
 * {@code tokenizer_config.json} rendered with Jinjava ({@code trim_blocks} and {@code lstrip_blocks} on, as in
 * transformers' {@code apply_chat_template}).
 *
 * <p>The completion format is derived once from the template by rendering a sentinel assistant turn: everything the
 * template writes after the response (for Qwen2.5 ChatML: {@code "<|im_end|>\n"}) is the tail appended to every
 * response, so {@code prompt(p) + completion(r)} equals the template's rendering of the whole conversation.
 *
 * <p>Invariants, checked at load and on every call: the prompt holds BOS at most once and only at the start; the
 * completion ends with exactly one end-of-turn marker, and a response that already contains that marker or the EOS
 * token is rejected (so it is never doubled).
 */
public final class ChatTemplate {

    /** Qwen2.5-style ChatML used when tokenizer_config.json has no chat_template; {@code default_system} is set below. */
    public static final String CHATML = """
      {%- for message in messages %}
      {%- if loop.first and message['role'] != 'system' %}
      {{- '<|im_start|>system\\n' + default_system + '<|im_end|>\\n' }}
      {%- endif %}
      {{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}
      {%- endfor %}
      {%- if add_generation_prompt %}
      {{- '<|im_start|>assistant\\n' }}
      {%- endif %}
      """;

    /** The system prompt of Qwen2.5's template, used by {@link #CHATML} unless a template sets its own. */
    public static final String QWEN_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";

    private static final String SENTINEL = "\u0001RESPONSE\u0001";
    private static final String PROBLEM = "\u0001PROBLEM\u0001";

    private final Jinjava jinjava;
    private final String template;
    private final String bosToken;
    private final String eosToken;
    private final String tail;
    private final String endOfTurn;
    /** The last prompt rendered: a problem's samples and epochs come together, and Jinjava renders are slow. */
    private volatile RenderedPrompt lastPrompt;

    private record RenderedPrompt(String problem, String rendered) {}

    private ChatTemplate(String template, String bosToken, String eosToken) {
        // nested interpretation off: otherwise Jinjava renders "{{ ... }}" found inside a problem or response again
        this.jinjava = new Jinjava(JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withNestedInterpretationEnabled(false)
                .build());
        this.template = whitespaceControl(template);
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        String prompt = render(List.of(Map.of("role", "user", "content", PROBLEM)), true);
        String full = render(
                List.of(Map.of("role", "user", "content", PROBLEM), Map.of("role", "assistant", "content", SENTINEL)),
                false);
        int at = full.indexOf(SENTINEL);
        if (!full.startsWith(prompt) || at != prompt.length()) {
            throw new IllegalArgumentException(
                    "chat template: the assistant turn must start right after the generation " + "prompt; got prompt="
                            + visible(prompt) + " conversation=" + visible(full));
        }
        this.tail = full.substring(at + SENTINEL.length());
        this.endOfTurn = tail.strip();
        if (endOfTurn.isEmpty()) {
            throw new IllegalArgumentException(
                    "chat template writes no end-of-turn marker after the assistant response");
        }
    }

    /**
     * Applies Jinja's {@code -} whitespace control ourselves ({@code {%-}/{{-}/{#-} drop all whitespace before the tag,
     * {@code -%}/-}}/-#}} all whitespace after), since Jinjava keeps the indentation before {@code {{-}.
     */
    static String whitespaceControl(String t) {
        return t.replaceAll("\\s*\\{([{%#])-", "{$1").replaceAll("-([}%#])}\\s*", "$1}");
    }

    /**
     * Loads the {@code chat_template} (string, or the entry named "default" of a list) and the BOS/EOS strings from
     * {@code tokenizer_config.json}; falls back to {@link #CHATML} with {@link #QWEN_SYSTEM}.
     */
    public static ChatTemplate load(Path hfDir) {
        JsonNode cfg = TextTokenizer.readConfig(hfDir);
        JsonNode t = cfg.get("chat_template");
        String text = null;
        if (t != null && t.isTextual()) {
            text = t.asText();
        } else if (t != null && t.isArray()) {
            for (JsonNode e : t) {
                if ("default".equals(e.path("name").asText())) {
                    text = e.path("template").asText();
                }
            }
        }
        return of(
                text == null ? CHATML : text,
                TextTokenizer.tokenString(cfg.get("bos_token")),
                TextTokenizer.tokenString(cfg.get("eos_token")));
    }

    /** A template from its text; {@code bosToken}/{@code eosToken} may be null. */
    public static ChatTemplate of(String template, String bosToken, String eosToken) {
        return new ChatTemplate(template, bosToken, eosToken);
    }

    /** Renders a conversation (each message a map with "role" and "content"). */
    public String render(List<Map<String, String>> messages, boolean addGenerationPrompt) {
        Map<String, Object> ctx = new HashMap<>();
        ctx.put("messages", new ArrayList<>(messages));
        ctx.put("add_generation_prompt", addGenerationPrompt);
        ctx.put("bos_token", bosToken == null ? "" : bosToken);
        ctx.put("eos_token", eosToken == null ? "" : eosToken);
        ctx.put("default_system", QWEN_SYSTEM);
        RenderResult r = jinjava.renderForResult(template, ctx);
        for (TemplateError e : r.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new IllegalArgumentException(
                        "chat template failed: " + e.getMessage() + " (line " + e.getLineno() + ")");
            }
        }
        return r.getOutput();
    }

    /** System (template default) + user turn + generation prompt, e.g. {@code ...<|im_start|>assistant\n}. */
    public String prompt(String problem) {
        RenderedPrompt last = lastPrompt;
        if (last != null && last.problem().equals(problem)) {
            return last.rendered();
        }
        String p = render(List.of(Map.of("role", "user", "content", problem)), true);
        if (bosToken != null && !bosToken.isEmpty()) {
            int first = p.indexOf(bosToken);
            if (first > 0 || (first == 0 && p.indexOf(bosToken, bosToken.length()) >= 0)) {
                throw new IllegalStateException(
                        "prompt holds BOS '" + bosToken + "' twice or not at the start: " + visible(p));
            }
        }
        lastPrompt = new RenderedPrompt(problem, p);
        return p;
    }

    /**
     * The trained completion text: {@code response + tail}, e.g. {@code response + "<|im_end|>\n"} for Qwen ChatML.
     *
     * @throws IllegalArgumentException if the response already contains the end-of-turn marker or the EOS token
     */
    public String completion(String response) {
        if (response.contains(endOfTurn)) {
            throw new IllegalArgumentException(
                    "response already contains the end-of-turn marker " + endOfTurn + "; the template appends it");
        }
        if (eosToken != null && !eosToken.isEmpty() && response.contains(eosToken)) {
            throw new IllegalArgumentException("response contains the EOS token " + eosToken);
        }
        return response + tail;
    }

    /** The marker that closes an assistant turn ({@code "<|im_end|>"} for ChatML); generation stops on its token. */
    public String endOfTurn() {
        return endOfTurn;
    }

    private static String visible(String s) {
        return "'" + s.replace("\n", "\\n").replace("\u0001", "^A") + "'";
    }
}
