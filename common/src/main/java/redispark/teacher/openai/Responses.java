package redispark.teacher.openai;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import redispark.teacher.TeacherSample;
import redispark.teacher.openai.OpenAiClient.Mode;

/** Reads an OpenAI {@code chat.completion} / {@code text_completion} body into choices and usage. */
public final class Responses {

    private Responses() {}

    /** One choice: either {@code text} + {@code finishReason} ("stop"/"length"), or an {@code error}. */
    public record Choice(String text, String finishReason, String error) {
        static Choice failed(String error) {
            return new Choice("", TeacherSample.STOP, error);
        }
    }

    /** The choices in the server's order of {@code index}, and the response's usage (nullable). */
    public record Parsed(List<Choice> choices, Integer promptTokens, Integer completionTokens) {
        /**
         * Each choice's share of {@link #completionTokens} ({@link #shareTokens}): exact for one choice, estimated for
         * several; {@code null} when the server sent no count.
         */
        public int[] completionTokenShares() {
            return shareTokens(choices, completionTokens);
        }
    }

    /** The whole body is unusable; {@code getMessage()} is a one-line reason. */
    static final class MalformedResponse extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedResponse(String reason) {
            super(reason);
        }
    }

    static Parsed parse(ObjectMapper json, byte[] body, Mode mode, String responsePrefix) throws MalformedResponse {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JacksonException e) {
            throw new MalformedResponse("malformed JSON in response: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new MalformedResponse("unreadable response: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new MalformedResponse("response is not a JSON object");
        }
        JsonNode choices = root.get("choices");
        if (choices == null || !choices.isArray()) {
            // Some servers answer 200 with {"error": {...}} (e.g. a proxy in front of a dead backend).
            JsonNode error = root.path("error");
            String detail = error.isObject() ? error.path("message").asText("") : error.asText("");
            throw new MalformedResponse("response has no \"choices\" array" + (detail.isBlank() ? "" : ": " + detail));
        }
        List<JsonNode> ordered = inIndexOrder(choices);
        List<Choice> out = new ArrayList<>(ordered.size());
        for (JsonNode c : ordered) {
            out.add(choice(c, mode, responsePrefix));
        }
        JsonNode usage = root.path("usage");
        return new Parsed(out, count(usage.get("prompt_tokens")), count(usage.get("completion_tokens")));
    }

    /**
     * Sorted by {@code index} when every choice has a distinct integer index; otherwise array order. Servers
     * send them in order anyway, but the index is the contract.
     */
    private static List<JsonNode> inIndexOrder(JsonNode choices) {
        List<JsonNode> list = new ArrayList<>();
        choices.forEach(list::add);
        Set<Integer> seen = new HashSet<>();
        for (JsonNode c : list) {
            JsonNode idx = c.get("index");
            if (idx == null || !idx.canConvertToInt() || !idx.isIntegralNumber() || !seen.add(idx.intValue())) {
                return list;
            }
        }
        list.sort(Comparator.comparingInt(c -> c.get("index").intValue()));
        return list;
    }

    private static Choice choice(JsonNode c, Mode mode, String responsePrefix) {
        if (!c.isObject()) {
            return Choice.failed("malformed choice: not a JSON object");
        }
        String text;
        if (mode == Mode.CHAT) {
            JsonNode message = c.get("message");
            if (message == null || !message.isObject()) {
                return Choice.failed("malformed choice: no \"message\" object");
            }
            JsonNode content = message.get("content");
            if (content != null && !content.isNull() && !content.isTextual()) {
                return Choice.failed("malformed choice: message.content is not a string");
            }
            text = content == null || content.isNull() ? "" : content.asText();
            String reasoning = reasoning(message);
            if (reasoning != null) {
                // DeepSeek's API and vLLM's reasoning parsers split the thinking out of the content; put it back
                // the way R1 writes it, which is the form the verifier and the SFT/REDI tables expect.
                text = "<think>\n" + reasoning.strip() + "\n</think>\n\n" + text;
            }
        } else {
            JsonNode t = c.get("text");
            if (t == null || !t.isTextual()) {
                return Choice.failed("malformed choice: no \"text\" string");
            }
            text = t.asText();
        }
        JsonNode fr = c.get("finish_reason");
        String finish = finishReason(fr == null || fr.isNull() ? null : fr.asText());
        if (finish == null) {
            return Choice.failed("unusable finish_reason \"" + fr.asText() + "\"");
        }
        if (!text.startsWith(responsePrefix)) {
            text = responsePrefix + text;
        }
        return new Choice(text, finish, null);
    }

    private static String reasoning(JsonNode message) {
        for (String field : new String[] {"reasoning_content", "reasoning"}) {
            JsonNode r = message.get(field);
            if (r != null && r.isTextual() && !r.asText().isBlank()) {
                return r.asText();
            }
        }
        return null;
    }

    /**
     * "stop" or "length", or {@code null} for a reason that makes the text unusable as a trace
     * (content_filter, tool_calls, vLLM's abort, ...). A missing reason counts as "stop": minimal servers
     * omit it, and an unfinished answer still fails the verifier on its own.
     */
    static String finishReason(String raw) {
        if (raw == null) {
            return TeacherSample.STOP;
        }
        return switch (raw.toLowerCase(Locale.ROOT)) {
            case "stop", "eos", "eos_token", "stop_sequence" -> TeacherSample.STOP;
            case "length", "max_tokens" -> TeacherSample.LENGTH;
            default -> null;
        };
    }

    /**
     * Shares {@code total} completion tokens among the usable choices in proportion to their text length
     * (largest remainder, so the shares add up to {@code total}); failed choices get none. {@code null} when
     * the server sent no count.
     */
    static int[] shareTokens(List<Choice> choices, Integer total) {
        if (total == null) {
            return null;
        }
        int[] shares = new int[choices.size()];
        List<Integer> usable = new ArrayList<>();
        long weightSum = 0;
        for (int k = 0; k < choices.size(); k++) {
            if (choices.get(k).error() == null) {
                usable.add(k);
                weightSum += choices.get(k).text().length();
            }
        }
        if (usable.isEmpty()) {
            return shares;
        }
        double[] remainder = new double[choices.size()];
        long given = 0;
        for (int k : usable) {
            // All-empty texts (max_tokens spent on nothing printable) share equally.
            double exact = weightSum == 0
                    ? (double) total / usable.size()
                    : (double) total * choices.get(k).text().length() / weightSum;
            shares[k] = (int) Math.floor(exact);
            remainder[k] = exact - shares[k];
            given += shares[k];
        }
        // The floors leave fewer than usable.size() tokens over; they go to the largest remainders.
        usable.sort(Comparator.<Integer>comparingDouble(k -> -remainder[k]).thenComparingInt(k -> k));
        for (int j = 0; given < total; j++, given++) {
            shares[usable.get(j % usable.size())]++;
        }
        return shares;
    }

    private static Integer count(JsonNode n) {
        return n != null && n.isIntegralNumber() && n.canConvertToInt() && n.intValue() >= 0 ? n.intValue() : null;
    }
}
