package redispark.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.model.TinyStudent;

class ChatTemplateTest {

    /** A Qwen2.5-shaped template (tools branch included) to check Jinjava copes with the real syntax. */
    static final String QWEN25_LIKE = """
      {%- if tools %}
          {{- '<|im_start|>system\\n' }}
          {%- for tool in tools %}
              {{- "\\n" }}
              {{- tool | tojson }}
          {%- endfor %}
          {{- '<|im_end|>\\n' }}
      {%- else %}
          {%- if messages[0]['role'] == 'system' %}
              {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}
          {%- else %}
              {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}
          {%- endif %}
      {%- endif %}
      {%- for message in messages %}
          {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
              {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
          {%- endif %}
      {%- endfor %}
      {%- if add_generation_prompt %}
          {{- '<|im_start|>assistant\\n' }}
      {%- endif %}
      """;

    @Test
    void tinyStudentPromptIsChatMlWithoutSystemTurn(@TempDir Path dir) {
        TinyStudent.write(dir, 1);
        ChatTemplate t = ChatTemplate.load(dir);
        assertThat(t.prompt("What is 2+3?"))
                .isEqualTo("<|im_start|>user\nWhat is 2+3?<|im_end|>\n<|im_start|>assistant\n");
        assertThat(t.completion("<think>\n2 + 3 = 5\n</think>\n\\boxed{5}"))
                .isEqualTo("<think>\n2 + 3 = 5\n</think>\n\\boxed{5}<|im_end|>\n");
        assertThat(t.endOfTurn()).isEqualTo("<|im_end|>");
    }

    @Test
    void promptPlusCompletionEqualsTheRenderedConversation() {
        ChatTemplate t = ChatTemplate.of(QWEN25_LIKE, null, "<|im_end|>");
        String full = t.render(
                List.of(Map.of("role", "user", "content", "Q"), Map.of("role", "assistant", "content", "A")), false);
        assertThat(t.prompt("Q") + t.completion("A")).isEqualTo(full);
        assertThat(t.prompt("Q")).startsWith("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud.");
    }

    @Test
    void defaultTemplateMatchesQwen25Rendering() {
        ChatTemplate ours = ChatTemplate.of(ChatTemplate.CHATML, null, "<|im_end|>");
        ChatTemplate qwen = ChatTemplate.of(QWEN25_LIKE, null, "<|im_end|>");
        assertThat(ours.prompt("2+2?")).isEqualTo(qwen.prompt("2+2?"));
        assertThat(ours.completion("4")).isEqualTo(qwen.completion("4"));
    }

    @Test
    void problemAndResponseTextIsInsertedVerbatim() {
        ChatTemplate t = ChatTemplate.of(ChatTemplate.CHATML, null, "<|im_end|>");
        String tricky = "If a < b && b > c, is {{ x }} {% if %} \\boxed{1} \"q\" 'p'?\n  indented";
        assertThat(t.prompt(tricky)).contains("<|im_start|>user\n" + tricky + "<|im_end|>\n");
        assertThat(t.completion(tricky)).isEqualTo(tricky + "<|im_end|>\n");
    }

    @Test
    void completionRejectsAResponseThatAlreadyEndsTheTurn() {
        ChatTemplate t = ChatTemplate.of(ChatTemplate.CHATML, null, "<|endoftext|>");
        assertThatThrownBy(() -> t.completion("5<|im_end|>")).hasMessageContaining("end-of-turn");
        assertThatThrownBy(() -> t.completion("5<|endoftext|>")).hasMessageContaining("EOS");
    }

    @Test
    void promptWithBosTwiceIsRejected() {
        String doubled = "{{ bos_token }}{{ bos_token }}" + ChatTemplate.CHATML;
        ChatTemplate t = ChatTemplate.of(doubled, "<s>", "<|im_end|>");
        assertThatThrownBy(() -> t.prompt("x")).hasMessageContaining("BOS");
        ChatTemplate once = ChatTemplate.of("{{ bos_token }}" + ChatTemplate.CHATML, "<s>", "<|im_end|>");
        assertThat(once.prompt("x")).startsWith("<s><|im_start|>system");
    }
}
