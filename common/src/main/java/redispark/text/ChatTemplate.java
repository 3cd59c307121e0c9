package redispark.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one prompt/completion renderer shared by generation, training and evaluation: the {@code chat_template} of
 * {@code tokenizer_config.json} rendered as transformers' {@code apply_chat_template} renders it ({@code trim_blocks}
 * and {@code lstrip_blocks} on; Python's string methods, slices, {@code namespace}, {@code raise_exception} and
 * {@code tojson} with Python's meaning), in a sandbox: a template cannot load other templates, call anything but
 * the string and dict methods templates use, or run past its time and output budget ({@link JinjaSandbox}).
 *
 * <p>The completion format is derived once from the template by rendering a sentinel assistant turn: everything the
 * template writes after the response (for Qwen2.5 ChatML: {@code "<|im_end|>\n"}) is the tail appended to every
 * response, so {@code prompt(p) + completion(r)} equals the template's rendering of the whole conversation. Two
 * reasoning-model shapes are understood: a generation prompt that opens a block ({@code
 * <|im_start|>assistant<think>\n}), after which the completion starts (a response that opens the same block
 * itself loses that opening), and a template that writes an empty block ({@code <think>\n\n</think>\n\n})
 * before a response that has none (the response is kept as it is, its own block included).
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
    private static final java.util.regex.Pattern OPENING = java.util.regex.Pattern.compile("<([A-Za-z_][\\w-]*)>");
    private static final java.util.regex.Pattern EMPTY_BLOCK =
            java.util.regex.Pattern.compile("<([A-Za-z_][\\w-]*)>\\s*</\\1>\\s*");

    private final JinjaSandbox sandbox;
    private final String template;
    private final String bosToken;
    private final String eosToken;
    private final String tail;
    private final String endOfTurn;
    /** What the generation prompt opens (e.g. {@code "<think>\n"}), which the completion must not repeat; "" = none. */
    private final String opened;
    /** The last prompt rendered: a problem's samples and epochs come together, and Jinjava renders are slow. */
    private volatile RenderedPrompt lastPrompt;

    private record RenderedPrompt(String problem, String rendered) {}

    private ChatTemplate(String template, String bosToken, String eosToken, JinjaSandbox.Limits limits) {
        this.sandbox = new JinjaSandbox(limits);
        this.template = JinjaSyntax.rewrite(template);
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        String prompt = render(List.of(Map.of("role", "user", "content", PROBLEM)), true);
        String full = render(
                List.of(Map.of("role", "user", "content", PROBLEM), Map.of("role", "assistant", "content", SENTINEL)),
                false);
        int at = full.indexOf(SENTINEL);
        if (at < 0 || full.indexOf(SENTINEL, at + 1) >= 0) {
            throw new IllegalArgumentException("chat template: the assistant response must appear once in a rendered"
                    + " conversation; got " + visible(full));
        }
        String head = full.substring(0, at);
        this.opened = openedByPrompt(prompt, head, full);
        this.tail = full.substring(at + SENTINEL.length());
        this.endOfTurn = tail.strip();
        if (endOfTurn.isEmpty()) {
            throw new IllegalArgumentException(
                    "chat template writes no end-of-turn marker after the assistant response");
        }
    }

    /**
     * What the generation prompt opens that the rendered assistant turn does not have before its response: "" when
     * the turn starts right after the prompt (or the template only adds an empty reasoning block), the opening
     * (e.g. {@code "<think>\n"}) when the prompt ends by opening a block; anything else is refused.
     */
    private static String openedByPrompt(String prompt, String head, String full) {
        if (head.equals(prompt)
                || head.startsWith(prompt)
                        && EMPTY_BLOCK.matcher(head.substring(prompt.length())).matches()) {
            return "";
        }
        int common = 0;
        while (common < Math.min(prompt.length(), head.length()) && prompt.charAt(common) == head.charAt(common)) {
            common++;
        }
        String promptRest = prompt.substring(common);
        if (head.substring(common).isBlank()
                && OPENING.matcher(promptRest.strip()).matches()) {
            return promptRest.stripLeading();
        }
        throw new IllegalArgumentException("chat template: the assistant turn must start right after the generation "
                + "prompt (or after a block it opens); got prompt=" + visible(prompt) + " conversation="
                + visible(full));
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
        return of(template, bosToken, eosToken, JinjaSandbox.Limits.DEFAULT);
    }

    static ChatTemplate of(String template, String bosToken, String eosToken, JinjaSandbox.Limits limits) {
        return new ChatTemplate(template, bosToken, eosToken, limits);
    }

    /** Renders a conversation (each message a map with "role" and "content", and whatever else the template reads). */
    public String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt) {
        return render(messages, null, addGenerationPrompt, Map.of());
    }

    /**
     * Renders a conversation as {@code tokenizer.apply_chat_template(messages, tools=tools,
     * add_generation_prompt=…, **extra)} does, e.g. {@code extra = {"enable_thinking": false}} for Qwen3.
     *
     * @param tools the tool schemas, or null for none
     */
    public String render(
            List<? extends Map<String, ?>> messages,
            List<? extends Map<String, ?>> tools,
            boolean addGenerationPrompt,
            Map<String, ?> extra) {
        Map<String, Object> ctx = new HashMap<>();
        extra.forEach((k, v) -> ctx.put(k, PythonValues.plain(v, k)));
        ctx.put("messages", PythonValues.plain(messages, "messages"));
        if (tools != null) {
            ctx.put("tools", PythonValues.plain(tools, "tools"));
        }
        ctx.put("add_generation_prompt", addGenerationPrompt);
        ctx.put("bos_token", bosToken == null ? "" : bosToken);
        ctx.put("eos_token", eosToken == null ? "" : eosToken);
        ctx.put("default_system", QWEN_SYSTEM);
        return sandbox.render(template, ctx);
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
     * The trained completion text: {@code response + tail}, e.g. {@code response + "<|im_end|>\n"} for Qwen ChatML;
     * after a generation prompt that opens a block ({@link #openedByGenerationPrompt}), a response that opens it
     * too loses that opening.
     *
     * @throws IllegalArgumentException if the response already contains the end-of-turn marker or the EOS token
     */
    public String completion(String response) {
        if (!opened.isEmpty()) { // the prompt opened the block already: the completion starts inside it
            String block = opened.strip();
            String r = response.stripLeading();
            if (r.startsWith(block)) {
                response = r.substring(block.length());
                String after = opened.substring(opened.indexOf(block) + block.length());
                if (!after.isEmpty() && response.startsWith(after)) {
                    response = response.substring(after.length());
                }
            }
        }
        if (response.contains(endOfTurn)) {
            throw new IllegalArgumentException(
                    "response already contains the end-of-turn marker " + endOfTurn + "; the template appends it");
        }
        if (eosToken != null && !eosToken.isEmpty() && response.contains(eosToken)) {
            throw new IllegalArgumentException("response contains the EOS token " + eosToken);
        }
        return response + tail;
    }

    /** What the generation prompt opens and the completion continues (e.g. {@code "<think>\n"}); "" for none. */
    public String openedByGenerationPrompt() {
        return opened;
    }

    /** The marker that closes an assistant turn ({@code "<|im_end|>"} for ChatML); generation stops on its token. */
    public String endOfTurn() {
        return endOfTurn;
    }

    private static String visible(String s) {
        return "'" + s.replace("\n", "\\n").replace("\u0001", "^A") + "'";
    }
}
