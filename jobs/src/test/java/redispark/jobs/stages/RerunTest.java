package redispark.jobs.stages;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.jobs.cli.RediCli;

/** Reruns skip what is up to date and redo exactly what a changed key affects. */
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
                    Files.copy(p, to);
                }
            }
        }
        return target;
    }

    private static List<String> skipped(String output) {
        return output.lines().filter(l -> l.contains("up to date, skipped"))
                .map(l -> l.replace("[redi]", "").trim().split("\\s+")[0]).toList();
    }

    @Test
    void rerunningAFinishedRunDoesNoWorkAndSaysSo(@TempDir Path dir) throws Exception {
        String output = pipeline(copyOfTheSmallRun(dir.resolve("run")));
        assertThat(skipped(output)).containsExactly("generate", "label", "split", "train-sft", "train-redi", "eval",
                "report");
    }

    @Test
    void changingAnEvalKeyRerunsOnlyEvalAndReport(@TempDir Path dir) throws Exception {
        String output = pipeline(copyOfTheSmallRun(dir.resolve("run")), "--set", "eval.samples=1");
        assertThat(skipped(output)).containsExactly("generate", "label", "split", "train-sft", "train-redi");
        assertThat(output).contains("eval       done", "report     done");
    }
}
