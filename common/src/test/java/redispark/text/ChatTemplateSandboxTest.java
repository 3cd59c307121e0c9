package redispark.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A chat template from a model folder is untrusted: it cannot read other files, call methods of the objects it
 * is given, or run and grow without bound; each refusal is one clear error.
 */
class ChatTemplateSandboxTest {

    /** {@link ChatTemplate#CHATML} with {@code extra} rendered before it. */
    private static ChatTemplate with(String extra) {
        return ChatTemplate.of(extra + ChatTemplate.CHATML, null, "<|im_end|>");
    }

    @Test
    void includeImportFromAndExtendsLoadNothing() {
        for (String tag : List.of(
                "{% include 'local.conf' %}",
                "{% include 'log4j2.properties' %}",
                "{% import 'macros.jinja' as m %}",
                "{% from 'macros.jinja' import tool %}",
                "{% extends 'base.jinja' %}")) {
            assertThatThrownBy(() -> with(tag))
                    .as(tag)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("chat template failed: ")
                    .hasMessageContaining("a chat template cannot load other templates");
        }
    }

    @Test
    void methodsOfTheObjectsATemplateIsGivenCannotBeCalled() {
        for (String call : List.of(
                "{{ messages.append(messages[0]) }}",
                "{{ messages.clear() }}",
                "{{ messages[0].clear() }}",
                "{{ messages[0].content.getClass() }}",
                "{{ messages[0].content.getBytes() }}",
                "{{ messages[0].content.replaceAll('a', 'b') }}",
                "{{ add_generation_prompt.toString() }}",
                "{{ messages[0].put('role', 'system') }}")) {
            assertThatThrownBy(() -> with(call))
                    .as(call)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not allowed in a chat template");
        }
        assertThatThrownBy(() -> with("{{ add_generation_prompt.class }}"))
                .hasMessageContaining("reading 'class' of a number is not allowed");
        assertThatThrownBy(() -> with("{{ loop_controls }}{% for m in messages %}{{ loop.iterator }}{% endfor %}"))
                .hasMessageContaining("loop has no attribute 'iterator'");
    }

    @Test
    void aRunawayLoopIsStoppedByTheTimeBudget() {
        String loop = "{% for i in range(100000) %}{% for j in range(100000) %}{% for k in range(100000) %}"
                + "{% endfor %}{% endfor %}{% endfor %}";
        long start = System.nanoTime();
        assertThatThrownBy(() -> ChatTemplate.of(
                        loop + ChatTemplate.CHATML,
                        null,
                        "<|im_end|>",
                        new JinjaSandbox.Limits(Duration.ofMillis(300), 1 << 20)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rendering took longer than 300 ms");
        assertThat((System.nanoTime() - start) / 1e9).isLessThan(10.0);
    }

    @Test
    void outputAndStringsPastTheSizeBudgetAreAnError() {
        JinjaSandbox.Limits small = new JinjaSandbox.Limits(Duration.ofSeconds(5), 10_000);
        assertThatThrownBy(() -> ChatTemplate.of(
                        "{% for i in range(5000) %}{{ 'xxxxxxxxxx' }}{% endfor %}" + ChatTemplate.CHATML,
                        null,
                        "<|im_end|>",
                        small))
                .hasMessageContaining("output too big");
        assertThatThrownBy(() -> ChatTemplate.of(
                        "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}"
                                + ChatTemplate.CHATML,
                        null,
                        "<|im_end|>",
                        small))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("chat template failed: ");
    }

    @Test
    void raiseExceptionIsTheTemplatesOwnOneLineRefusal() {
        ChatTemplate t = with("{% if messages[0].role == 'assistant' %}"
                + "{{ raise_exception('Conversation must start with a user or system turn') }}{% endif %}");
        assertThatThrownBy(() -> t.render(List.of(Map.of("role", "assistant", "content", "hi")), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chat template failed: the template raised: Conversation must start with a user or system"
                        + " turn (line 1)");
    }

    @Test
    void stringsDictsAndSlicesBehaveAsInPython() {
        ChatTemplate t = with("");
        String probe =
                "{% if s is defined %}{{ s.split('</think>')|length }}|{{ s.split('</think>')[-1] }}|{{ s.strip('ab') }}|"
                        + "{{ s.lstrip() }}|{{ s.startswith(('x', ' a')) }}|{{ s.endswith('</think>') }}|"
                        + "{{ s[::-1] }}|{{ s[1:8:3] }}|{{ 'a,b,,c'.split(',') }}|{{ ' x  y '.split() }}|"
                        + "{{ 'AbC'.lower() }}{{ 'a'.upper() }}|{{ d.get('k') }}{{ d.get('z', 'none') }}|"
                        + "{{ d.items()|list|length }}|{{ 'aaa'.replace('a', 'b', 2) }}|{{ d|tojson }}|{{ d|tojson(indent=2) }}{% endif %}";
        ChatTemplate probeTemplate = ChatTemplate.of(probe + ChatTemplate.CHATML, null, "<|im_end|>");
        String out = probeTemplate.render(
                List.of(Map.of("role", "user", "content", "q")),
                null,
                false,
                Map.of("s", " ab</think>ba</think>", "d", new java.util.LinkedHashMap<>(Map.of("k", List.of(1, 2.5)))));
        String probed = out.substring(0, out.indexOf("<|im_start|>"));
        assertThat(probed.split("\\|", -1))
                .containsExactly(
                        "3",
                        "",
                        " ab</think>ba</think>",
                        "ab</think>ba</think>",
                        "true",
                        "true",
                        ">kniht/<ab>kniht/<ba ",
                        "a/i",
                        "[a, b, , c]",
                        "[x, y]",
                        "abcA",
                        "[1, 2.5]none",
                        "1",
                        "bba",
                        "{\"k\": [1, 2.5]}",
                        "{\n  \"k\": [\n    1,\n    2.5\n  ]\n}");
        assertThat(t.prompt("{{ 7 * 6 }} {% if true %}x{% endif %}"))
                .as("a problem is text, never a template")
                .contains("{{ 7 * 6 }} {% if true %}x{% endif %}");
    }

    @Test
    void theRewriteKeepsStringsAndParenthesisesKeywordArguments() {
        assertThat(JinjaSyntax.expression(" set ns = namespace(a=true, n=messages|length - 1) "))
                .isEqualTo(" set ns = namespace(a=(true), n=(messages|length - 1)) ");
        assertThat(JinjaSyntax.expression(" for m in messages[::-1] "))
                .isEqualTo(" for m in (messages|py_slice(none, none, -1)) ");
        assertThat(JinjaSyntax.expression(" x == '[::-1] (a=b)' ")).isEqualTo(" x == '[::-1] (a=b)' ");
        assertThat(JinjaSyntax.expression(" f(a == b, c != d) ")).isEqualTo(" f(a == b, c != d) ");
    }
}
