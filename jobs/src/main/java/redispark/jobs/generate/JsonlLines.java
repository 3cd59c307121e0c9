package redispark.jobs.generate;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.Serializable;
import org.apache.spark.sql.Row;
import redispark.jobs.table.RawProblemsFrame;

/**
 * Parses one JSONL line into the {@link RawProblemsFrame} columns. Strict like {@code JsonlProblems}: trailing
 * tokens and duplicate keys are invalid, numbers stay exact ({@code 27.0} becomes {@code "27"}). A line that cannot
 * be a row gets a reason in {@code bad}; missing or null fields are left null for the shared checks.
 */
record JsonlLines(String problemField, String answerField, String idField, String difficultyField)
        implements Serializable {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private static final int EXCERPT = 120;

    Row parse(String line) {
        String text = line;
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        if (text.endsWith("\r")) {
            text = text.substring(0, text.length() - 1);
        }
        if (text.isBlank()) {
            return bad("blank_line", "blank line");
        }
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JacksonException e) {
            return bad("invalid_json", clip(e.getOriginalMessage()) + " in: " + clip(text));
        }
        if (node == null || !node.isObject()) {
            return bad("not_an_object", clip(text));
        }
        JsonNode problem = field(node, problemField);
        JsonNode answer = field(node, answerField);
        JsonNode id = idField.isEmpty() ? null : field(node, idField);
        JsonNode difficulty = difficultyField.isEmpty() ? null : field(node, difficultyField);
        if (problem != null && !problem.isTextual()) {
            return bad("bad_problem_type", "field \"" + problemField + "\" is " + problem.getNodeType());
        }
        String gold = null;
        if (answer != null) {
            if (answer.isTextual()) {
                gold = answer.asText();
            } else if (answer.isNumber()) {
                gold = answer.decimalValue().stripTrailingZeros().toPlainString();
            } else {
                return bad("bad_answer_type", "field \"" + answerField + "\" is " + answer.getNodeType());
            }
        }
        String key = null;
        if (id != null) {
            if (id.isTextual()) {
                key = id.asText();
            } else if (id.isIntegralNumber()) {
                key = id.bigIntegerValue().toString();
            } else {
                return bad("bad_id_type", "field \"" + idField + "\" is " + id.getNodeType());
            }
        }
        Integer level = null;
        if (difficulty != null) {
            if (!difficulty.isIntegralNumber() || !difficulty.canConvertToInt()) {
                return bad("bad_difficulty", "field \"" + difficultyField + "\" is " + difficulty);
            }
            level = difficulty.intValue();
        }
        return RawProblemsFrame.row(
                problem == null ? null : problem.asText(),
                gold,
                key,
                level,
                null,
                "problem: " + (problem == null ? "null" : clip(problem.asText())));
    }

    private static JsonNode field(JsonNode node, String name) {
        JsonNode v = node.get(name);
        return v == null || v.isNull() ? null : v;
    }

    private static Row bad(String reason, String detail) {
        return RawProblemsFrame.row(null, null, null, null, reason, detail);
    }

    private static String clip(String s) {
        String one = s.replaceAll("\\s+", " ").strip();
        return one.length() <= EXCERPT ? one : one.substring(0, EXCERPT - 3) + "...";
    }
}
