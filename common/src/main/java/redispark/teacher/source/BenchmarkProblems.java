package redispark.teacher.source;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import redispark.teacher.source.JsonlProblems.BadRow;
import redispark.teacher.source.JsonlProblems.Row;

/**
 * Reads the benchmark JSONL files ({@link ShippedBenchmarks}, or a folder of the same files) into problems, taking problem and
 * gold from where each file keeps them:
 *
 * <table>
 *   <caption>Columns per benchmark</caption>
 *   <tr><th>benchmark</th><th>problem</th><th>gold</th><th>id</th></tr>
 *   <tr><td>math500</td><td>problem</td><td>answer</td><td>unique_id (difficulty = level)</td></tr>
 *   <tr><td>aime24</td><td>problem</td><td>answer</td><td>id</td></tr>
 *   <tr><td>amc23</td><td>problem</td><td>answer (a float: 27.0 becomes 27)</td><td>id</td></tr>
 *   <tr><td>gsm8k</td><td>question</td><td>answer after the last {@code ####}, thousands commas dropped</td>
 *       <td>idx</td></tr>
 *   <tr><td>minerva_math</td><td>problem</td><td>the last {@code \boxed{...}} of solution</td><td>idx</td></tr>
 *   <tr><td>olympiadbench</td><td>question</td><td>final_answer[0] without the enclosing {@code $}</td>
 *       <td>id</td></tr>
 *   <tr><td>college_math, gaokao2023en</td><td>question</td><td>answer without {@code $}</td>
 *       <td>line index (their ids repeat or are missing)</td></tr>
 *   <tr><td>svamp</td><td>Body + Question</td><td>Answer</td><td>idx</td></tr>
 *   <tr><td>asdiv</td><td>body + question</td><td>answer without the parenthesised unit</td><td>idx</td></tr>
 *   <tr><td>mawps</td><td>input</td><td>target</td><td>idx</td></tr>
 *   <tr><td>aqua, sat_math</td><td>question + "Answer Choices: (A) ... (B) ..."</td><td>the letter</td>
 *       <td>line index / id</td></tr>
 * </table>
 *
 * <p>{@code problemId} = {@code <benchmark>-<id>}, {@code source} = the benchmark id. Bad rows are
 * returned as rejects (gaokao2023en has two rows with an empty answer).
 */
public final class BenchmarkProblems {

    private BenchmarkProblems() {}

    /** Reads {@code dir/<benchmark>.jsonl}. */
    public static ReadResult fromDir(Path dir, Benchmark benchmark) throws IOException {
        Objects.requireNonNull(dir, "dir");
        return read(benchmark, dir.resolve(benchmark.fileName()));
    }

    /** Reads {@code file} as {@code benchmark}'s format. */
    public static ReadResult read(Benchmark benchmark, Path file) throws IOException {
        Objects.requireNonNull(benchmark, "benchmark");
        return JsonlProblems.read(file, benchmark.id(), mapper(benchmark));
    }

    static JsonlProblems.RowMapper mapper(Benchmark benchmark) {
        return switch (benchmark) {
            case MATH500 ->
                row -> new Row(
                        JsonlProblems.id(row, "unique_id"),
                        JsonlProblems.text(row, "problem"),
                        JsonlProblems.answer(row, "answer"),
                        level(row));
            case AIME24, AMC23 ->
                row -> new Row(
                        JsonlProblems.id(row, "id"),
                        JsonlProblems.text(row, "problem"),
                        JsonlProblems.answer(row, "answer"),
                        1);
            case GSM8K ->
                row -> new Row(
                        JsonlProblems.id(row, "idx"),
                        JsonlProblems.text(row, "question"),
                        gsm8kGold(JsonlProblems.text(row, "answer")),
                        1);
            case MINERVA_MATH ->
                row -> new Row(
                        JsonlProblems.id(row, "idx"),
                        JsonlProblems.text(row, "problem"),
                        lastBoxed(JsonlProblems.text(row, "solution"), "solution"),
                        1);
            case OLYMPIADBENCH ->
                row -> new Row(JsonlProblems.id(row, "id"), JsonlProblems.text(row, "question"), olympiadGold(row), 1);
            case COLLEGE_MATH, GAOKAO2023EN ->
                row -> new Row(
                        null,
                        JsonlProblems.text(row, "question"),
                        nonBlank(
                                JsonlProblems.answer(row, "answer")
                                        .replace("$", "")
                                        .strip(),
                                "answer"),
                        1);
            case SVAMP ->
                row -> {
                    String body = JsonlProblems.text(row, "Body");
                    // Some bodies lack the final period, and the question would run into them.
                    String sentence = body.endsWith(".") ? body : body + ".";
                    return new Row(
                            JsonlProblems.id(row, "idx"),
                            sentence + " " + JsonlProblems.text(row, "Question"),
                            JsonlProblems.answer(row, "Answer"),
                            1);
                };
            case ASDIV ->
                row -> new Row(
                        JsonlProblems.id(row, "idx"),
                        JsonlProblems.text(row, "body") + " " + JsonlProblems.text(row, "question"),
                        nonBlank(
                                JsonlProblems.answer(row, "answer")
                                        .replaceAll("\\([^)]*\\)", "")
                                        .strip(),
                                "answer"),
                        1);
            case MAWPS ->
                row -> new Row(
                        JsonlProblems.id(row, "idx"),
                        JsonlProblems.text(row, "input"),
                        JsonlProblems.answer(row, "target"),
                        1);
            case AQUA ->
                row -> new Row(
                        null,
                        JsonlProblems.text(row, "question") + "\nAnswer Choices: " + aquaOptions(row),
                        JsonlProblems.text(row, "correct"),
                        1);
            case SAT_MATH ->
                row -> new Row(
                        JsonlProblems.id(row, "id"),
                        JsonlProblems.text(row, "question") + "\nAnswer Choices: "
                                + satOptions(JsonlProblems.text(row, "options")),
                        JsonlProblems.text(row, "Answer"),
                        1);
        };
    }

    // ---- per-benchmark gold --------------------------------------------------------------------------

    private static final Pattern THOUSANDS = Pattern.compile("-?\\d{1,3}(,\\d{3})+(\\.\\d+)?");

    /** GSM8K: the text after the last {@code ####}; {@code 2,125} becomes {@code 2125}. */
    static String gsm8kGold(String answer) throws BadRow {
        int at = answer.lastIndexOf("####");
        if (at < 0) {
            throw new BadRow("no \"####\" in field \"answer\"");
        }
        String gold = nonBlank(answer.substring(at + 4).strip(), "answer after ####");
        return THOUSANDS.matcher(gold).matches() ? gold.replace(",", "") : gold;
    }

    /**
     * The content of the last {@code \boxed{...}} (or {@code \fbox{...}}) in {@code text}, matching braces;
     * escaped braces ({@code \{ \}}) are content, not structure.
     */
    static String lastBoxed(String text, String field) throws BadRow {
        int at = Math.max(text.lastIndexOf("\\boxed"), text.lastIndexOf("\\fbox"));
        if (at < 0) {
            throw new BadRow("no \\boxed{...} in field \"" + field + "\"");
        }
        int i = text.indexOf('{', at);
        String between = i < 0 ? "" : text.substring(text.startsWith("\\boxed", at) ? at + 6 : at + 5, i);
        if (i < 0 || !between.isBlank()) {
            throw new BadRow("\\boxed without a {...} argument in field \"" + field + "\"");
        }
        int depth = 0;
        for (int j = i; j < text.length(); j++) {
            char c = text.charAt(j);
            if (c == '\\') {
                j++; // skip the escaped character (\{, \}, \\)
            } else if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return nonBlank(text.substring(i + 1, j).strip(), "\\boxed{} in " + field);
            }
        }
        throw new BadRow("unbalanced braces in the last \\boxed{...} of field \"" + field + "\"");
    }

    /** OlympiadBench: {@code final_answer[0]} with the enclosing {@code $...$} removed. */
    static String olympiadGold(JsonNode row) throws BadRow {
        JsonNode list = JsonlProblems.present(row, "final_answer");
        if (!list.isArray() || list.isEmpty() || !list.get(0).isTextual()) {
            throw new BadRow("field \"final_answer\" is not a non-empty list of strings");
        }
        String s = list.get(0).asText().strip();
        int from = 0;
        int to = s.length();
        while (from < to && s.charAt(from) == '$') {
            from++;
        }
        while (to > from && s.charAt(to - 1) == '$') {
            to--;
        }
        return nonBlank(s.substring(from, to).strip(), "final_answer[0]");
    }

    private static int level(JsonNode row) throws BadRow {
        JsonNode v = row.get("level");
        if (v == null || v.isNull()) {
            return 1;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() < 1) {
            throw new BadRow("field \"level\" is not a positive integer");
        }
        return v.intValue();
    }

    private static final Pattern AQUA_OPTION = Pattern.compile("\\s*([A-E])\\s*\\)\\s*(.*)", Pattern.DOTALL);

    /** {@code ["A)5", "B)6"]} becomes {@code "(A) 5 (B) 6"}. */
    static String aquaOptions(JsonNode row) throws BadRow {
        JsonNode options = JsonlProblems.present(row, "options");
        if (!options.isArray() || options.isEmpty()) {
            throw new BadRow("field \"options\" is not a non-empty list");
        }
        List<String> parts = new ArrayList<>();
        for (JsonNode o : options) {
            Matcher m = AQUA_OPTION.matcher(o.asText());
            if (!o.isTextual() || !m.matches()) {
                throw new BadRow("option " + o + " is not of the form \"A)...\"");
            }
            parts.add("(" + m.group(1) + ") " + m.group(2).strip());
        }
        return String.join(" ", parts);
    }

    /**
     * {@code "A) x B) y"} (or {@code "A. x B. y"}) becomes {@code "(A) x (B) y"}. Letters are looked for in
     * order (" B)" after "A)", " C)" after that, ...) with the delimiter option A uses, so that a ")" or "."
     * inside an option's text is left alone.
     */
    static String satOptions(String options) throws BadRow {
        if (!(options.startsWith("A)") || options.startsWith("A."))) {
            throw new BadRow("field \"options\" does not start with \"A)\" or \"A.\"");
        }
        char delimiter = options.charAt(1);
        List<Integer> starts = new ArrayList<>(List.of(0));
        for (char letter = 'B'; letter <= 'E'; letter++) {
            int at = options.indexOf(" " + letter + delimiter, starts.get(starts.size() - 1) + 2);
            if (at < 0) {
                break;
            }
            starts.add(at + 1);
        }
        List<String> parts = new ArrayList<>();
        for (int k = 0; k < starts.size(); k++) {
            int from = starts.get(k);
            int to = k + 1 < starts.size() ? starts.get(k + 1) : options.length();
            parts.add("(" + options.charAt(from) + ") "
                    + options.substring(from + 2, to).strip());
        }
        return String.join(" ", parts);
    }

    private static String nonBlank(String s, String what) throws BadRow {
        if (s.isEmpty()) {
            throw new BadRow("blank " + what);
        }
        return s;
    }
}
