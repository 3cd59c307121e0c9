package redispark.teacher.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.teacher.Problem;

class JsonlProblemsTest {

    @TempDir
    Path dir;

    /** Writes lines joined by "\n" as raw bytes, so a test can put invalid UTF-8 into one of them. */
    private Path write(byte[]... lines) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] line : lines) {
            out.write(line);
            out.write('\n');
        }
        Path file = dir.resolve("table.jsonl");
        Files.write(file, out.toByteArray());
        return file;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void badLinesBecomeRejectsWithReasonsAndGoodLinesProblems() throws Exception {
        Path file = write(
                utf8("{\"q\": \"  What is 1+1?  \", \"a\": \" 2 \", \"id\": 7}"),
                utf8("{\"a\": \"3\", \"id\": 8}"),
                utf8("{\"q\": \"What is 2+2?\", \"a\": \"   \", \"id\": 9}"),
                utf8("{\"q\": \"What is 3+3?\", \"id\": 10}"),
                utf8("{\"q\": \"What is 4+4?\", \"a\": \"8\", \"id\": "),
                new byte[] {'{', '"', 'q', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'},
                utf8("{\"q\": \"What is 5+5?\", \"a\": [\"10\"], \"id\": 12}"),
                utf8(""),
                utf8("{\"q\": \"What is 1+1 again?\", \"a\": \"2\", \"id\": 7}"),
                utf8("[\"q\", \"a\"]"),
                utf8("{\"q\": \"x\", \"a\": \"1\", \"id\": 15} trailing"),
                utf8("{\"q\": \"x\", \"a\": \"1\", \"a\": \"2\", \"id\": 16}"),
                utf8("{\"q\": 17, \"a\": \"1\", \"id\": 17}"),
                utf8("{\"q\": \"What is 0.5 + 0.5?\", \"a\": 1.00, \"id\": \"last\"}\r"));

        ReadResult r = JsonlProblems.read(file, "q", "a", "id", "toy");

        assertThat(r.problems())
                .containsExactly(
                        new Problem("toy-7", "What is 1+1?", "2", "toy", 1),
                        new Problem("toy-last", "What is 0.5 + 0.5?", "1", "toy", 1));
        assertThat(r.rejects())
                .extracting(Reject::lineNumber, Reject::reason)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(2L, "missing field \"q\""),
                        org.assertj.core.groups.Tuple.tuple(3L, "field \"a\" is blank"),
                        org.assertj.core.groups.Tuple.tuple(4L, "missing field \"a\""),
                        org.assertj.core.groups.Tuple.tuple(
                                5L, r.rejects().get(3).reason()),
                        org.assertj.core.groups.Tuple.tuple(6L, "not valid UTF-8 (bad byte at offset 6 of the line)"),
                        org.assertj.core.groups.Tuple.tuple(
                                7L, "field \"a\" is an array, expected a string or a number"),
                        org.assertj.core.groups.Tuple.tuple(8L, "blank line"),
                        org.assertj.core.groups.Tuple.tuple(9L, "duplicate id \"7\" (first at line 1)"),
                        org.assertj.core.groups.Tuple.tuple(10L, "not a JSON object"),
                        org.assertj.core.groups.Tuple.tuple(
                                11L, r.rejects().get(9).reason()),
                        org.assertj.core.groups.Tuple.tuple(
                                12L, r.rejects().get(10).reason()),
                        org.assertj.core.groups.Tuple.tuple(13L, "field \"q\" is a number, expected a string"));
        // The parser's own words, on one line.
        assertThat(r.rejects().get(3).reason()).startsWith("invalid JSON: ");
        assertThat(r.rejects().get(9).reason()).startsWith("invalid JSON: ").containsIgnoringCase("trailing");
        assertThat(r.rejects().get(10).reason()).startsWith("invalid JSON: ").containsIgnoringCase("duplicate");
        assertThat(r.rejects()).allSatisfy(j -> assertThat(j.reason()).doesNotContain("\n"));
        assertThat(r.lines()).isEqualTo(14);
    }

    @Test
    void withoutIdColumnTheZeroBasedLineIndexIsTheId() throws Exception {
        Path file = write(
                utf8("\uFEFF{\"problem\": \"p0\", \"answer\": \"a0\"}"),
                utf8("{\"problem\": \"p1\"}"),
                utf8("{\"problem\": \"p2\", \"answer\": 3.0}"));

        ReadResult r = JsonlProblems.read(file, "problem", "answer", null, "t");

        assertThat(r.problems()).extracting(Problem::problemId).containsExactly("t-0", "t-2");
        assertThat(r.problems()).extracting(Problem::gold).containsExactly("a0", "3");
        assertThat(r.rejects()).containsExactly(new Reject(2, "missing field \"answer\""));
    }

    @Test
    void lastLineWithoutNewlineIsRead() throws Exception {
        Path file = dir.resolve("nolf.jsonl");
        Files.writeString(file, "{\"p\":\"x\",\"a\":\"1\"}\n{\"p\":\"y\",\"a\":\"2\"}");

        assertThat(JsonlProblems.read(file, "p", "a", null, "t").problems()).hasSize(2);
    }

    @Test
    void numericAnswersArePlainDecimalsWithoutTrailingZeros() throws Exception {
        Path file = write(
                utf8("{\"p\":\"a\",\"x\":27.0}"),
                utf8("{\"p\":\"b\",\"x\":1.840}"),
                utf8("{\"p\":\"c\",\"x\":1e3}"),
                utf8("{\"p\":\"d\",\"x\":-0.0}"),
                utf8("{\"p\":\"e\",\"x\":123456789012345678901234567890}"));

        assertThat(JsonlProblems.read(file, "p", "x", null, "t").problems())
                .extracting(Problem::gold)
                .containsExactly("27", "1.84", "1000", "0", "123456789012345678901234567890");
    }

    @Test
    void missingFileIsAnExceptionNotAnEmptyResult() {
        assertThatThrownBy(() -> JsonlProblems.read(dir.resolve("absent.jsonl"), "p", "a", null, "t"))
                .isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void blankColumnNamesAreRejectedNamingTheArgument() {
        assertThatThrownBy(() -> JsonlProblems.read(dir.resolve("x"), " ", "a", null, "t"))
                .hasMessageContaining("problemField");
        assertThatThrownBy(() -> JsonlProblems.read(dir.resolve("x"), "p", "a", "", "t"))
                .hasMessageContaining("idField");
    }
}
