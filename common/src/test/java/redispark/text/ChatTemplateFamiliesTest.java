package redispark.text;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real chat templates of Qwen2.5, Qwen2.5-Math, Qwen3 and the REDI repository load and render byte for byte as
 * Hugging Face renders them: every conversation of {@code chat-templates/conversations.json} against the renders of
 * transformers.js's Jinja engine ({@code fixtures.json}), a few written out by hand, and the prompt/completion split
 * each family gives.
 */
class ChatTemplateFamiliesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EOS = "<|im_end|>";

    record Conversation(
            String name,
            List<Map<String, Object>> messages,
            List<Map<String, Object>> tools,
            Map<String, Object> extra) {}

    record Fixture(String template, String conversation, boolean add_generation_prompt, String rendered) {}

    static String resource(String name) {
        try (InputStream in = ChatTemplateFamiliesTest.class.getResourceAsStream("/chat-templates/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("test resource chat-templates/" + name, e);
        }
    }

    static ChatTemplate family(String file) {
        return ChatTemplate.of(resource(file), null, EOS);
    }

    static Map<String, Object> turn(String role, String content) {
        return Map.of("role", role, "content", content);
    }

    @Test
    void everyFamilyRendersEveryConversationAsTransformersJsDoes() throws Exception {
        List<Conversation> conversations = JSON.readValue(resource("conversations.json"), new TypeReference<>() {});
        List<Fixture> fixtures = JSON.readValue(resource("fixtures.json"), new TypeReference<>() {});
        assertThat(fixtures).hasSize(4 * conversations.size() * 2);
        Map<String, ChatTemplate> templates = new java.util.HashMap<>();
        for (Fixture f : fixtures) {
            Conversation c = conversations.stream()
                    .filter(x -> x.name().equals(f.conversation()))
                    .findFirst()
                    .orElseThrow();
            ChatTemplate t = templates.computeIfAbsent(f.template(), ChatTemplateFamiliesTest::family);
            String rendered = t.render(
                    c.messages(), c.tools(), f.add_generation_prompt(), c.extra() == null ? Map.of() : c.extra());
            assertThat(rendered)
                    .as(f.template() + " / " + f.conversation() + " / add_generation_prompt="
                            + f.add_generation_prompt())
                    .isEqualTo(f.rendered());
        }
    }

    @Test
    void qwen25UsesItsDefaultSystemPromptUnlessTheConversationHasOne() {
        ChatTemplate t = family("qwen2.5-instruct.jinja");
        assertThat(t.render(List.of(turn("user", "What is 2+2?")), true))
                .isEqualTo("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant."
                        + "<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n");
        assertThat(t.render(List.of(turn("system", "Be brief."), turn("user", "What is 2+2?")), false))
                .isEqualTo("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n");
        assertThat(t.prompt("Q") + t.completion("A"))
                .isEqualTo(t.render(List.of(turn("user", "Q"), turn("assistant", "A")), false));
    }

    @Test
    void qwen25MathAsksForABoxedAnswer() {
        ChatTemplate t = family("qwen2.5-math-instruct.jinja");
        assertThat(t.prompt("1+1?"))
                .isEqualTo("<|im_start|>system\nPlease reason step by step, and put your final answer within "
                        + "\\boxed{}.<|im_end|>\n<|im_start|>user\n1+1?<|im_end|>\n<|im_start|>assistant\n");
        assertThat(t.completion("\\boxed{2}")).isEqualTo("\\boxed{2}<|im_end|>\n");
    }

    @Test
    void qwen3KeepsOnlyTheLastTurnsReasoningAndSplitsItAsPython() {
        ChatTemplate t = family("qwen3.jinja");
        String rendered = t.render(
                List.of(
                        turn("user", "Q1"),
                        turn("assistant", "<think>\nR1\n</think>\n\nA1"),
                        turn("user", "Q2"),
                        turn("assistant", "<think>\n\nR2\n\n</think>\n\n\nA2")),
                false);
        assertThat(rendered)
                .isEqualTo("<|im_start|>user\nQ1<|im_end|>\n<|im_start|>assistant\nA1<|im_end|>\n"
                        + "<|im_start|>user\nQ2<|im_end|>\n<|im_start|>assistant\n<think>\nR2\n</think>\n\nA2"
                        + "<|im_end|>\n");
        assertThat(t.render(List.of(turn("user", "Hi")), null, true, Map.of("enable_thinking", false)))
                .isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
        // a trained completion carries its own think block; the template writes an empty one only when it has none
        String response = "<think>\n2 and 2 make 4.\n</think>\n\n\\boxed{4}";
        assertThat(t.prompt("2+2?")).isEqualTo("<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n");
        assertThat(t.openedByGenerationPrompt()).isEmpty();
        assertThat(t.prompt("2+2?") + t.completion(response))
                .isEqualTo(t.render(List.of(turn("user", "2+2?"), turn("assistant", response)), false));
    }

    @Test
    void theRediTemplatesGenerationPromptOpensTheThinkBlockAndTheCompletionStartsAfterIt() {
        ChatTemplate t = family("redi-qwen2.5-math-think.jinja");
        assertThat(t.prompt("1+1?"))
                .isEqualTo("<|im_start|>system\nPlease reason step by step, and put your final answer within "
                        + "\\boxed{}.<|im_end|>\n<|im_start|>user\n1+1?<|im_end|>\n<|im_start|>assistant<think>\n");
        assertThat(t.openedByGenerationPrompt()).isEqualTo("<think>\n");
        assertThat(t.completion("<think>\n1+1 = 2\n</think>\n\\boxed{2}"))
                .isEqualTo("1+1 = 2\n</think>\n\\boxed{2}<|im_end|>\n");
        assertThat(t.completion("1+1 = 2\n</think>\n\\boxed{2}"))
                .as("a trace that starts inside the block")
                .isEqualTo("1+1 = 2\n</think>\n\\boxed{2}<|im_end|>\n");
        assertThat(t.endOfTurn()).isEqualTo("<|im_end|>");
    }

    @Test
    void aModelFolderCarryingQwen3sTemplateLoads(@TempDir Path dir) throws Exception {
        Map<String, Object> config = new java.util.LinkedHashMap<>();
        config.put("bos_token", null);
        config.put("eos_token", EOS);
        config.put("chat_template", resource("qwen3.jinja"));
        Files.writeString(dir.resolve("tokenizer_config.json"), JSON.writeValueAsString(config));
        ChatTemplate t = ChatTemplate.load(dir);
        assertThat(t.prompt("Hi")).isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    }
}
