package redispark.verify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * Verifies a JSONL file: each line is an object with {@code gold} and {@code pred} (the model output), and
 * optionally {@code problem} (the question: one that asks for rounding lets a rounded decimal match);
 * the output line is the same object (all fields kept, in order) plus {@code correct},
 * {@code extracted} and {@code reason}. The output is written to a temporary file and moved into
 * place at the end, so a malformed line never leaves a half-written result behind.
 */
public final class VerifyFile {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Counts of one run. */
    public record Summary(long lines, long correct, Map<String, Long> reasons) {}

    private VerifyFile() {}

    /**
     * @throws IllegalArgumentException "line N: ..." for a line that is not a JSON object with string
     *                                  (or number) fields {@code gold} and {@code pred}
     */
    public static Summary run(Path inputJsonl, Path outputJsonl) throws IOException {
        Path parent = outputJsonl.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Path tmp = Files.createTempFile(parent, outputJsonl.getFileName().toString(), ".tmp");
        long lines = 0;
        long correct = 0;
        Map<String, Long> reasons = new TreeMap<>();
        try (BufferedReader in = Files.newBufferedReader(inputJsonl, StandardCharsets.UTF_8);
                BufferedWriter out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            String line;
            long lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                ObjectNode row = parseLine(line, lineNo);
                String gold = field(row, "gold", lineNo);
                String pred = field(row, "pred", lineNo);
                String problem = row.hasNonNull("problem") ? field(row, "problem", lineNo) : null;
                Verdict v = MathVerifier.verify(pred, gold, problem, VerifyOptions.defaults());
                row.put("correct", v.correct());
                row.put("extracted", v.extracted());
                row.put("reason", v.reason().label());
                out.write(JSON.writeValueAsString(row));
                out.newLine();
                lines++;
                if (v.correct()) {
                    correct++;
                }
                reasons.merge(v.reason().label(), 1L, Long::sum);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, outputJsonl, StandardCopyOption.REPLACE_EXISTING);
        return new Summary(lines, correct, Map.copyOf(reasons));
    }

    private static ObjectNode parseLine(String line, long lineNo) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            String msg = e.getOriginalMessage() == null ? "invalid JSON" : e.getOriginalMessage();
            throw new IllegalArgumentException("line " + lineNo + ": not valid JSON: " + msg.replace('\n', ' '));
        }
        if (!(node instanceof ObjectNode obj)) {
            throw new IllegalArgumentException("line " + lineNo + ": expected a JSON object, got "
                    + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        return obj;
    }

    /** A string field (numbers are accepted as their text, JSON null as null). */
    private static String field(ObjectNode row, String name, long lineNo) {
        JsonNode v = row.get(name);
        if (v == null) {
            throw new IllegalArgumentException("line " + lineNo + ": missing field \"" + name + "\"");
        }
        if (v.isNull()) {
            return null;
        }
        if (!v.isTextual() && !v.isNumber()) {
            throw new IllegalArgumentException("line " + lineNo + ": field \"" + name + "\" must be a string, got "
                    + v.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        return v.asText();
    }
}
