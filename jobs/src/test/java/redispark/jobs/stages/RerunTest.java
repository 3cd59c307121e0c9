package redispark.jobs.stages;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.jobs.cli.RediCli;

/** Reruns skip what is up to date and redo exactly what a changed key or external file affects. */
class RerunTest {

    private static String pipeline(Path run, String... extra) {
        String[] settings = Stream.concat(Arrays.stream(SmallRun.SETTINGS), Arrays.stream(extra))
                .toArray(String[]::new);
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertThat(RediCli.execute(SmallRun.pipeline(run, settings))).isZero();
        } finally {
            System.setOut(out);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    private static Path copyOfTheSmallRun(Path target) throws Exception {
        Path source = SmallRun.dir();
        try (Stream<Path> paths = Files.walk(source)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path to = target.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    // Keep modification times: they are part of the input fingerprints, as after `cp -a`.
                    Files.copy(p, to, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return target;
    }

    private static List<String> skipped(String output) {
        return output.lines()
                .filter(l -> l.contains("up to date, skipped"))
                .map(l -> l.replace("[redi]", "").trim().split("\\s+")[0])
                .toList();
    }

    @Test
    void rerunningAFinishedRunDoesNoWorkAndSaysSo(@TempDir Path dir) throws Exception {
        String output = pipeline(copyOfTheSmallRun(dir.resolve("run")));
        assertThat(skipped(output))
                .containsExactly("generate", "label", "split", "train-sft", "train-redi", "eval", "report");
        assertThat(ran(output)).isEmpty();
    }

    @Test
    void changingAnEvalKeyRerunsOnlyEvalAndReport(@TempDir Path dir) throws Exception {
        String output = pipeline(copyOfTheSmallRun(dir.resolve("run")), "--set", "eval.samples=1");
        assertThat(skipped(output)).containsExactly("generate", "label", "split", "train-sft", "train-redi");
        assertThat(ran(output)).containsExactly("eval", "report");
    }

    @Test
    void changingAnSftKeyRerunsTrainingAndEverythingAfterIt(@TempDir Path dir) throws Exception {
        // A retrained checkpoint has the same file names and sizes; train-redi must still see that it changed.
        String output = pipeline(copyOfTheSmallRun(dir.resolve("run")), "--set", "train.sft.seed=4");
        assertThat(skipped(output)).containsExactly("generate", "label", "split");
        assertThat(ran(output)).containsExactly("train-sft", "train-redi", "eval", "report");
    }

    @Test
    void editingAnExternalBenchmarkFileRerunsExactlyTheStagesDownstreamOfIt(@TempDir Path dir) throws Exception {
        Path benchmarks = Files.createDirectories(dir.resolve("benchmarks"));
        Path math500 = benchmarks.resolve("math500.jsonl");
        Files.writeString(math500, "{\"problem\": \"What is $2+3$?\", \"answer\": \"5\", \"unique_id\": \"t/1\"}\n");
        Path run = copyOfTheSmallRun(dir.resolve("run"));
        String[] evalOnBenchmark = {"--set", "eval.benchmarks=[math500]", "--set", "eval.benchmarks-dir=" + benchmarks};

        assertThat(ran(pipeline(run, evalOnBenchmark))).as("config change").containsExactly("eval", "report");
        assertThat(ran(pipeline(run, evalOnBenchmark))).as("nothing changed").isEmpty();

        Files.writeString(
                math500,
                "{\"problem\": \"What is $7-4$?\", \"answer\": \"3\", \"unique_id\": \"t/2\"}\n",
                StandardOpenOption.APPEND);
        String output = pipeline(run, evalOnBenchmark);
        assertThat(skipped(output)).containsExactly("generate", "label", "split", "train-sft", "train-redi");
        assertThat(ran(output)).containsExactly("eval", "report");
        assertThat(Files.readString(run.resolve("manifest.json"))).contains(math500.toString());
    }

    private static List<String> ran(String output) {
        return output.lines()
                .filter(l -> l.matches("\\[redi] \\S+\\s+done in .*"))
                .map(l -> l.replace("[redi]", "").trim().split("\\s+")[0])
                .toList();
    }
}
