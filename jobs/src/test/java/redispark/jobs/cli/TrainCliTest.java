package redispark.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code redi train-redi --objective …}: stage-2 objectives by name, usage errors for anything else. */
class TrainCliTest {

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = RediCli.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void sftIsNotAStage2ObjectiveAndTheMessageNamesTheRightCommand() {
        Run r = run("train-redi", "--run-dir", "target/never", "--objective", "sft");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("train-sft");
    }

    @Test
    void anUnknownObjectiveListsTheKnownOnes() {
        Run r = run("train-redi", "--run-dir", "target/never", "--objective", "ipo");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).contains("redi-unpaired", "dpo", "simpo");
    }

    @Test
    void helpDescribesEveryObjectiveAndTheDefault() {
        Run r = run("train-redi", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("--objective", "redi-unpaired", "dpo", "simpo", "Default: redi");
    }
}
