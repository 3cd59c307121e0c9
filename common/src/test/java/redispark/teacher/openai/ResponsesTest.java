package redispark.teacher.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import redispark.teacher.TeacherSample;
import redispark.teacher.openai.OpenAiClient.Mode;
import redispark.teacher.openai.Responses.Choice;
import redispark.teacher.openai.Responses.MalformedResponse;
import redispark.teacher.openai.Responses.Parsed;

class ResponsesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Parsed parse(String body) throws MalformedResponse {
        return Responses.parse(JSON, body.getBytes(StandardCharsets.UTF_8), Mode.CHAT, "");
    }

    @Test
    void mapsFinishReasonsOntoStopAndLengthOnly() {
        assertThat(Responses.finishReason("stop")).isEqualTo(TeacherSample.STOP);
        assertThat(Responses.finishReason("eos_token")).isEqualTo(TeacherSample.STOP);
        assertThat(Responses.finishReason(null)).isEqualTo(TeacherSample.STOP);
        assertThat(Responses.finishReason("length")).isEqualTo(TeacherSample.LENGTH);
        assertThat(Responses.finishReason("content_filter")).isNull();
        assertThat(Responses.finishReason("abort")).isNull();
        assertThat(Responses.finishReason("tool_calls")).isNull();
    }

    @Test
    void ordersChoicesByIndex() throws Exception {
        Parsed p = parse("{\"choices\":[{\"index\":1,\"message\":{\"content\":\"b\"},\"finish_reason\":\"stop\"},"
                + "{\"index\":0,\"message\":{\"content\":\"a\"},\"finish_reason\":\"length\"}]}");
        assertThat(p.choices()).extracting(Choice::text).containsExactly("a", "b");
        assertThat(p.choices()).extracting(Choice::finishReason).containsExactly("length", "stop");
    }

    @Test
    void aChoiceWithoutMessageFailsAloneAndNullContentIsEmptyText() throws Exception {
        Parsed p = parse("{\"choices\":[{\"index\":0,\"finish_reason\":\"stop\"},"
                + "{\"index\":1,\"message\":{\"content\":null},\"finish_reason\":\"length\"}]}");
        assertThat(p.choices().get(0).error()).contains("message");
        assertThat(p.choices().get(1).error()).isNull();
        assertThat(p.choices().get(1).text()).isEmpty();
    }

    @Test
    void bodiesWithoutChoicesAreMalformedWithTheServersMessage() {
        assertThatThrownBy(() -> parse("{\"error\":{\"message\":\"model not loaded\"}}"))
                .isInstanceOf(MalformedResponse.class)
                .hasMessage("response has no \"choices\" array: model not loaded");
        assertThatThrownBy(() -> parse("[1,2]")).hasMessage("response is not a JSON object");
    }

    @Test
    void sharesCompletionTokensByTextLengthAddingUpToTheTotal() {
        List<Choice> choices = List.of(
                new Choice("aaaa", "stop", null),
                new Choice("", "stop", "filtered"),
                new Choice("aa", "stop", null),
                new Choice("a", "stop", null));
        int[] shares = Responses.shareTokens(choices, 100);
        assertThat(shares).containsExactly(57, 0, 29, 14);
        assertThat(Responses.shareTokens(choices, null)).isNull();
        // Empty texts share equally.
        int[] equal = Responses.shareTokens(List.of(new Choice("", "length", null), new Choice("", "length", null)), 5);
        assertThat(equal).containsExactly(3, 2);
    }

    @Test
    void requestSeedStaysWithin31Bits() {
        assertThat(OpenAiClient.requestSeed(11, 3)).isEqualTo(14);
        assertThat(OpenAiClient.requestSeed(-1, 0)).isEqualTo(0x7fff_ffffL);
        assertThat(OpenAiClient.requestSeed(Long.MAX_VALUE, 1)).isBetween(0L, 0x7fff_ffffL);
    }
}
