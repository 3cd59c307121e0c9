package redispark.teacher.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import redispark.teacher.openai.OpenAiClient.Mode;

class OpenAiTeacherConfigTest {

    private static OpenAiTeacherConfig with(
            String baseUrl, Mode mode, String systemPrompt, String template, String keyEnv, String keyFile) {
        OpenAiTeacherConfig d = OpenAiTeacherConfig.defaults();
        return new OpenAiTeacherConfig(
                client(
                        baseUrl,
                        keyEnv,
                        keyFile,
                        Duration.ofSeconds(5),
                        8,
                        OpenAiClientConfig.DEFAULT_MAX_RESPONSE_BYTES),
                mode,
                systemPrompt,
                template,
                d.responsePrefix(),
                d.temperature(),
                d.topP(),
                d.maxTokens(),
                d.maxChoicesPerRequest(),
                d.sendSeed());
    }

    private static OpenAiClientConfig client(
            String baseUrl, String keyEnv, String keyFile, Duration requestTimeout, int maxConcurrency, long maxBytes) {
        OpenAiClientConfig d = OpenAiClientConfig.defaults();
        return new OpenAiClientConfig(
                baseUrl,
                d.model(),
                d.connectTimeout(),
                requestTimeout,
                d.maxAttempts(),
                d.initialBackoff(),
                d.maxBackoff(),
                keyEnv,
                keyFile,
                maxConcurrency,
                maxBytes);
    }

    private static OpenAiTeacherConfig sampling(double topP) {
        OpenAiTeacherConfig d = OpenAiTeacherConfig.defaults();
        return new OpenAiTeacherConfig(d.client(), d.mode(), null, d.promptTemplate(), "", 0.6, topP, 10, 1, true);
    }

    @Test
    void defaultsFollowOpenR1GenerationSettings() {
        OpenAiTeacherConfig d = OpenAiTeacherConfig.defaults();
        assertThat(d.endpoint().toString()).isEqualTo("http://localhost:8000/v1/chat/completions");
        assertThat(d.temperature()).isEqualTo(0.6);
        assertThat(d.topP()).isEqualTo(0.95);
        assertThat(d.render("Find x."))
                .isEqualTo("You will be given a problem. Please reason step by step, and put your final answer within"
                        + " \\boxed{}:\nFind x.");
    }

    @Test
    void baseUrlLosesTrailingSlashesAndPicksTheEndpointByMode() {
        OpenAiTeacherConfig c = with("https://api.example.com/v1//", Mode.COMPLETIONS, null, "{problem}", null, null);
        assertThat(c.client().baseUrl()).isEqualTo("https://api.example.com/v1");
        assertThat(c.endpoint().toString()).isEqualTo("https://api.example.com/v1/completions");
    }

    @Test
    void renderReplacesOnlyTheProblemPlaceholder() {
        OpenAiTeacherConfig c = with("http://h/v1", Mode.CHAT, null, "Q: {problem} -> \\boxed{} {x}", null, null);
        assertThat(c.render("1+1 = {?}")).isEqualTo("Q: 1+1 = {?} -> \\boxed{} {x}");
    }

    @Test
    void rejectsTemplateWithoutProblemPlaceholder() {
        assertThatThrownBy(() -> with("http://h/v1", Mode.CHAT, null, "Solve it.", null, null))
                .hasMessageContaining("promptTemplate");
    }

    @Test
    void rejectsSystemPromptInCompletionsMode() {
        assertThatThrownBy(() -> with("http://h/v1", Mode.COMPLETIONS, "sys", "{problem}", null, null))
                .hasMessageContaining("systemPrompt");
    }

    @Test
    void rejectsBothKeySources() {
        assertThatThrownBy(() -> with("http://h/v1", Mode.CHAT, null, "{problem}", "K", "/k.txt"))
                .hasMessageContaining("apiKeyEnv")
                .hasMessageContaining("apiKeyFile");
    }

    @Test
    void rejectsBaseUrlsThatAreNotHttpOrCarryCredentials() {
        assertThatThrownBy(() -> with("localhost:8000/v1", Mode.CHAT, null, "{problem}", null, null))
                .hasMessageContaining("baseUrl");
        assertThatThrownBy(() -> with("http://user:sk-secret@h/v1", Mode.CHAT, null, "{problem}", null, null))
                .hasMessageContaining("baseUrl")
                .hasMessageNotContaining("sk-secret");
        assertThatThrownBy(() -> with("http://h/v1?api_key=sk-secret", Mode.CHAT, null, "{problem}", null, null))
                .hasMessageNotContaining("sk-secret");
    }

    @Test
    void rejectsBadNumbersNamingTheField() {
        String url = "http://h/v1";
        long cap = OpenAiClientConfig.DEFAULT_MAX_RESPONSE_BYTES;
        assertThatThrownBy(() -> sampling(0.0)).hasMessageContaining("topP");
        assertThatThrownBy(() -> client(url, null, null, Duration.ZERO, 1, cap)).hasMessageContaining("requestTimeout");
        assertThatThrownBy(() -> client(url, null, null, Duration.ofSeconds(1), 0, cap))
                .hasMessageContaining("maxConcurrency");
    }

    @Test
    void survivesJavaSerialisationForShippingToExecutors() throws Exception {
        OpenAiTeacherConfig c = with("https://h:1/v1", Mode.CHAT, "sys", "{problem}", "OPENAI_API_KEY", null);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(c);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertThat(in.readObject()).isEqualTo(c);
        }
    }

    @Test
    void aKeyNeedsHttpsUnlessTheHostIsLoopback() {
        for (String remote :
                List.of("http://api.example.com/v1", "http://10.0.0.7:8000/v1", "http://127.0.0.1.example.com/v1")) {
            assertThatThrownBy(() -> with(remote, Mode.CHAT, null, "{problem}", "OPENAI_API_KEY", null))
                    .as(remote)
                    .hasMessage("baseUrl " + remote + " would send the API key unencrypted: use https:// (plain"
                            + " http only to a loopback host: localhost, 127.0.0.1, [::1])");
            assertThatThrownBy(() -> with(remote, Mode.CHAT, null, "{problem}", null, "/run/key.txt"))
                    .hasMessageContaining("https://");
            assertThat(with(remote, Mode.CHAT, null, "{problem}", null, null)
                            .client()
                            .baseUrl())
                    .as("no key, nothing to protect")
                    .isEqualTo(remote);
        }
        for (String loopback : List.of(
                "http://localhost:8000/v1",
                "http://127.0.0.1:8000/v1",
                "http://127.3.4.5/v1",
                "http://[::1]:8000/v1",
                "https://api.example.com/v1")) {
            assertThat(with(loopback, Mode.CHAT, null, "{problem}", "OPENAI_API_KEY", null)
                            .client()
                            .baseUrl())
                    .isEqualTo(loopback);
        }
    }

    @Test
    void theResponseCapDefaultsTo32MiBAndMustLeaveRoomForAnAnswer() {
        assertThat(OpenAiTeacherConfig.defaults().client().maxResponseBytes()).isEqualTo(32L << 20);
        assertThatThrownBy(() -> client("http://h/v1", null, null, Duration.ofSeconds(1), 1, 100))
                .hasMessage("maxResponseBytes must be >= 1024, got 100");
    }
}
