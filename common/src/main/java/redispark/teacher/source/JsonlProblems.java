package redispark.teacher.source;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import redispark.teacher.Problem;

/**
 * Reads problems from a JSONL table (one JSON object per line) with configurable column names.
 *
 * <p>Every line ends up either as a {@link Problem} or as a {@link Reject} with a reason: invalid UTF-8,
 * a blank line, invalid JSON, a value that is not an object, a missing or blank problem or answer, an
 * answer that is neither a string nor a number, a duplicate id. Problem text and answer are stripped of
 * surrounding whitespace; numeric answers are written as plain decimals without trailing zeros ({@code
 * 27.0} becomes {@code 27}).
 *
 * <p>{@code problemId} is {@code <source>-<id>}, where {@code id} is the id column's value, or the 0-based
 * line index when there is no id column (so an id stays the same when a bad line is fixed).
 */
public final class JsonlProblems {

    private JsonlProblems() {}

    /** Longest excerpt of a parser message kept in a reject reason. */
    private static final int MAX_REASON_CHARS = 200;

    /** Strict: trailing garbage after the object and duplicate keys are errors, decimals stay exact. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    /**
     * Reads {@code file} with the given column names.
     *
     * @param problemField column holding the problem text (a string)
     * @param answerField column holding the gold answer (a string or a number)
     * @param idField column holding a stable id (a string or an integer), or {@code null} to use the line index
     * @param source recorded as {@link Problem#source()} and used as the id prefix
     * @throws IOException when the file cannot be read at all; bad lines are rejects, not exceptions
     */
    public static ReadResult read(Path file, String problemField, String answerField, String idField, String source)
            throws IOException {
        requireName("problemField", problemField);
        requireName("answerField", answerField);
        if (idField != null) {
            requireName("idField", idField);
        }
        return read(
                file,
                source,
                row -> new Row(
                        idField == null ? null : id(row, idField),
                        text(row, problemField),
                        answer(row, answerField),
                        1));
    }

    // ---- the shared reader (BenchmarkProblems maps rows its own way) ------------------------------------

    /** The pieces of a {@link Problem} that one JSON row gives. */
    record Row(String id, String problem, String gold, int difficulty) {}

    /** Turns one JSON object into a {@link Row}, or throws {@link BadRow} with the reason. */
    @FunctionalInterface
    interface RowMapper {
        Row map(JsonNode row) throws BadRow;
    }

    /** A row that cannot become a problem; the message is the reject reason. */
    static final class BadRow extends Exception {
        private static final long serialVersionUID = 1L;

        BadRow(String reason) {
            super(reason, null, false, false);
        }
    }

    static ReadResult read(Path file, String source, RowMapper mapper) throws IOException {
        Objects.requireNonNull(file, "file");
        requireName("source", source);
        Objects.requireNonNull(mapper, "mapper");
        List<Problem> problems = new ArrayList<>();
        List<Reject> rejects = new ArrayList<>();
        Map<String, Long> firstLineOfId = new HashMap<>();
        try (InputStream in = Files.newInputStream(file)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream(4096);
            byte[] chunk = new byte[1 << 16];
            long lineNumber = 0;
            int n;
            // Lines are split on bytes and decoded one by one, so one bad byte rejects one line, not the file.
            while ((n = in.read(chunk)) != -1) {
                int from = 0;
                for (int i = 0; i < n; i++) {
                    if (chunk[i] == '\n') {
                        line.write(chunk, from, i - from);
                        lineNumber++;
                        String reason = line(line.toByteArray(), lineNumber, source, mapper, problems, firstLineOfId);
                        if (reason != null) {
                            rejects.add(new Reject(lineNumber, reason));
                        }
                        line.reset();
                        from = i + 1;
                    }
                }
                line.write(chunk, from, n - from);
            }
            if (line.size() > 0) {
                // The last line has no newline.
                lineNumber++;
                String reason = line(line.toByteArray(), lineNumber, source, mapper, problems, firstLineOfId);
                if (reason != null) {
                    rejects.add(new Reject(lineNumber, reason));
                }
            }
        }
        return new ReadResult(problems, rejects);
    }

    /** Adds the line's problem to {@code problems} and returns {@code null}, or returns the reject reason. */
    private static String line(
            byte[] bytes,
            long lineNumber,
            String source,
            RowMapper mapper,
            List<Problem> problems,
            Map<String, Long> firstLineOfId) {
        int len = bytes.length;
        if (len > 0 && bytes[len - 1] == '\r') {
            len--; // CRLF files
        }
        String text;
        try {
            text = decodeUtf8(bytes, len);
        } catch (BadRow e) {
            return e.getMessage();
        }
        if (lineNumber == 1 && text.startsWith("\uFEFF")) {
            text = text.substring(1); // a UTF-8 byte-order mark written by some editors
        }
        if (text.isBlank()) {
            return "blank line";
        }
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JacksonException e) {
            return clip("invalid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            return "not a JSON object";
        }
        Row row;
        try {
            row = mapper.map(node);
        } catch (BadRow e) {
            return clip(e.getMessage());
        }
        String id = row.id() != null ? row.id() : Long.toString(lineNumber - 1);
        String problemId = source + "-" + id;
        Long first = firstLineOfId.putIfAbsent(problemId, lineNumber);
        if (first != null) {
            // Two rows with one id would collide on (problem_id, sample_idx) downstream.
            return "duplicate id \"" + id + "\" (first at line " + first + ")";
        }
        int difficulty = Math.max(1, row.difficulty());
        problems.add(new Problem(problemId, row.problem(), row.gold(), source, difficulty));
        return null;
    }

    private static String decodeUtf8(byte[] bytes, int len) throws BadRow {
        CharsetDecoder decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, 0, len);
        CharBuffer out = CharBuffer.allocate(len);
        CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            throw new BadRow("not valid UTF-8 (bad byte at offset " + in.position() + " of the line)");
        }
        out.flip();
        return out.toString();
    }

    // ---- field access, shared with BenchmarkProblems ---------------------------------------------------

    /** A required, non-blank string column, stripped. */
    static String text(JsonNode row, String field) throws BadRow {
        JsonNode v = present(row, field);
        if (!v.isTextual()) {
            throw new BadRow("field \"" + field + "\" is " + kind(v) + ", expected a string");
        }
        String s = v.asText().strip();
        if (s.isEmpty()) {
            throw new BadRow("field \"" + field + "\" is blank");
        }
        return s;
    }

    /** A required answer: a non-blank string (stripped) or a number (plain decimal, no trailing zeros). */
    static String answer(JsonNode row, String field) throws BadRow {
        JsonNode v = present(row, field);
        if (v.isNumber()) {
            return number(v);
        }
        if (!v.isTextual()) {
            throw new BadRow("field \"" + field + "\" is " + kind(v) + ", expected a string or a number");
        }
        String s = v.asText().strip();
        if (s.isEmpty()) {
            throw new BadRow("field \"" + field + "\" is blank");
        }
        return s;
    }

    /** A required id: a non-blank string or an integer. */
    static String id(JsonNode row, String field) throws BadRow {
        JsonNode v = present(row, field);
        if (v.isIntegralNumber()) {
            return v.bigIntegerValue().toString();
        }
        if (v.isTextual() && !v.asText().isBlank()) {
            return v.asText().strip();
        }
        throw new BadRow("field \"" + field + "\" is " + kind(v) + ", expected a string or an integer id");
    }

    /** {@code 27.0 -> "27"}, {@code 1.840 -> "1.84"}, {@code 1e3 -> "1000"}. */
    static String number(JsonNode v) {
        return v.decimalValue().stripTrailingZeros().toPlainString();
    }

    static JsonNode present(JsonNode row, String field) throws BadRow {
        JsonNode v = row.get(field);
        if (v == null || v.isNull()) {
            throw new BadRow("missing field \"" + field + "\"");
        }
        return v;
    }

    static String kind(JsonNode v) {
        return switch (v.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case BOOLEAN -> "a boolean";
            case NUMBER -> "a number";
            case STRING -> "a string";
            default -> v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static String clip(String reason) {
        String s = reason.replaceAll("\\s+", " ").strip();
        return s.length() <= MAX_REASON_CHARS ? s : s.substring(0, MAX_REASON_CHARS - 3) + "...";
    }

    private static void requireName(String what, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
    }
}
