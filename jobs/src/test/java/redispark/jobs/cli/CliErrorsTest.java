package redispark.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Bad input reaches the user as one line naming the problem and a non-zero exit, never a stack trace. */
class CliErrorsTest {

    private record Run(int code, String err) {}

    private static Run run(String... args) {
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = RediCli.execute(args);
            return new Run(code, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(oldErr);
        }
    }

    @Test
    void unknownSubcommandIsAUsageError() {
        Run r = run("frobnicate");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).contains("frobnicate");
    }

    @Test
    void unknownConfigKeyIsOneLineNamingTheKey() {
        Run r = run("generate", "--run-dir", "target/never", "--set", "teacher.samplez=3");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).contains("unknown config key 'teacher.samplez'");
    }

    @Test
    void aValueOfTheWrongTypeOrOutOfRangeStopsBeforeAnyStageAsAUsageError() {
        String runDir = "target/never-" + System.nanoTime();
        long start = System.nanoTime();
        Run word = run("pipeline", "--run-dir", runDir, "--set", "train.redi.alpha=abc");
        assertThat(word.code()).isEqualTo(2);
        assertThat(word.err().lines()).hasSize(1);
        assertThat(word.err()).contains("train.redi.alpha").contains("abc").contains("expected a number");
        Run range = run("pipeline", "--run-dir", runDir, "--set", "train.redi.alpha=1.5");
        assertThat(range.code()).isEqualTo(2);
        assertThat(range.err().lines()).hasSize(1);
        assertThat(range.err()).contains("train.redi.alpha = 1.5 (from --set)").contains("alpha must be in [0, 1]");
        Run policy = run("pipeline", "--run-dir", runDir, "--set", "split.pair-selection=\"best\"");
        assertThat(policy.code()).isEqualTo(2);
        assertThat(policy.err().lines()).hasSize(1);
        assertThat(policy.err()).contains("split.pair-selection: unknown policy 'best'");
        Run fraction = run("train-sft", "--run-dir", runDir, "--set", "train.sft.epochs=2.5");
        assertThat(fraction.code()).isEqualTo(2);
        assertThat(fraction.err().lines()).hasSize(1);
        assertThat(fraction.err()).contains("train.sft.epochs");
        assertThat((System.nanoTime() - start) / 1e9).isLessThan(5.0);
        assertThat(java.nio.file.Files.exists(java.nio.file.Path.of(runDir))).isFalse();
    }

    @Test
    void missingInputFileIsOneLineNamingThePath() {
        Run r = run("verify", "--input", "/nonexistent/in.jsonl", "--output", "target/out.jsonl");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).contains("/nonexistent/in.jsonl");
    }

    @Test
    void missingInputTableNamesTheStageToRunFirst() {
        Run r = run("label", "--run-dir", "target/empty-run-" + System.nanoTime());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).contains("traces").contains("redi generate");
    }

    private static void usageError(Run r, String... parts) {
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines()).hasSize(1);
        for (String part : parts) {
            assertThat(r.err()).contains(part);
        }
    }

    @Test
    void anOptionValueTheCommandCannotUseIsAUsageError() {
        String runDir = "target/never-" + System.nanoTime();
        usageError(
                run("pipeline", "--run-dir", runDir, "--from", "trainsft"),
                "--from: unknown stage 'trainsft'",
                "train-sft");
        usageError(run("experiment", "--run-dir", runDir, "--preset", "huge"), "--preset", "huge");
        usageError(run("eval", "--run-dir", runDir, "--model", "target/no-such-model"), "--model", "config.json");
        usageError(run("train-redi", "--run-dir", runDir, "--objective", "sft"), "redi train-sft");
        usageError(run("bench", "allreduce", "--ranks", "0"), "--ranks");
        usageError(run("bench", "allreduce", "--ranks", "two"), "--ranks");
        usageError(run("bench", "allreduce", "--wire", "fp16"), "--wire", "fp32 or bf16", "fp16");
        usageError(run("bench", "allreduce", "--links", "17"), "--links", "1..16");
        usageError(run("bench", "allreduce", "--mib", "2048"), "--mib", "1..1024");
        usageError(run("bench", "exchange", "--staging", "sideways"), "--staging", "sideways");
        usageError(run("bench", "split", "--traces", "0"), "--traces");
        String model = "../tools/parity/bench-5m-config.json";
        usageError(run("bench", "train-step", "--config", model, "--dtype", "fp64", "--steps", "1"), "--dtype", "fp64");
        usageError(run("bench", "train-step", "--config", model, "--batch", "0"), "--batch");
        usageError(run("plan", "--model", model, "--seq", "256", "--recompute", "sometimes"), "--recompute");
        usageError(run("plan", "--model", model, "--seq", "256", "--attention", "linear"), "--attention");
        assertThat(java.nio.file.Files.exists(java.nio.file.Path.of(runDir))).isFalse();
    }

    @Test
    void aConfigErrorFoundInsideAStageIsAUsageErrorToo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        usageError(
                run(
                        "generate",
                        "--run-dir",
                        dir.toString(),
                        "--set",
                        "teacher.kind=openai",
                        "--set",
                        "teacher.openai.base-url=\"http://teacher.example.com:8000/v1\"",
                        "--set",
                        "teacher.openai.api-key-env=TEACHER_KEY"),
                "teacher.openai: baseUrl http://teacher.example.com:8000/v1 would send the API key unencrypted",
                "https://");
    }

    @Test
    void aMissingInputFileOfABenchIsAFailure() {
        Run r = run("bench", "verifier", "--input", "/nonexistent/lines.jsonl");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).contains("/nonexistent/lines.jsonl");
    }
}
