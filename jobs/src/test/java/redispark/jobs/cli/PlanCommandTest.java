package redispark.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code redi plan} prints one parseable line (the breakdown with --verbose); bad input is one error line. */
class PlanCommandTest {

    private record Run(int code, String out, String err) {}

    private static final String MODEL = "../conf/models/qwen2.5-math-1.5b.json";

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
    void eachKernelCommandHasItsOwnLogprobChunkDefault() {
        PlanCommand plan = new PlanCommand();
        BenchCommand.TrainStep bench = new BenchCommand.TrainStep();
        assertThat(new CommandLine(plan).getUsageMessage()).contains("Tokens per LM-head call (default: 2048)");
        assertThat(new CommandLine(bench).getUsageMessage()).contains("Tokens per LM-head call (default: 1024)");
        new CommandLine(plan).parseArgs("--model", MODEL, "--seq", "8", "--logprob-chunk", "512");
        assertThat(plan.kernel.logprobChunk).isEqualTo(512);
        new CommandLine(bench).parseArgs("--config", MODEL);
        assertThat(bench.kernel.logprobChunk).isEqualTo(1024);
    }

    @Test
    void paperScaleInBf16WithRecomputeFitsOnEightGpus() {
        Run r = run(
                "plan", "--model", MODEL, "--seq", "19000", "--gpus", "8", "--dtype", "bf16", "--recompute", "layer");
        assertThat(r.code()).isZero();
        assertThat(r.out().strip())
                .matches("plan params=1\\.54e9 peak_gib=[0-9.]+ step_s=[0-9.]+ " + "exchange_gb=10\\.81 fits=true");
        double peak = Double.parseDouble(r.out().replaceAll("(?s).*peak_gib=([0-9.]+).*", "$1"));
        assertThat(peak).isLessThanOrEqualTo(45);
        assertThat(r.err()).contains("beyond max_position_embeddings 4096"); // a note, not an error
    }

    @Test
    void fp32EagerWithoutRecomputeDoesNotFitAndVerboseShowsTheTerms() {
        Run r = run(
                "plan",
                "--model",
                MODEL,
                "--seq",
                "19000",
                "--gpus",
                "8",
                "--dtype",
                "fp32",
                "--recompute",
                "off",
                "--attention",
                "eager",
                "--verbose");
        assertThat(r.code()).isZero();
        assertThat(r.out())
                .contains("AdamW m and v")
                .contains("attention scores + probabilities, every layer")
                .contains("logits chunk")
                .contains("does not fit");
        assertThat(r.out().strip().lines().reduce((a, b) -> b).orElseThrow()).endsWith("fits=false");
    }

    @Test
    void badInputIsOneLineAndANonZeroExit() {
        Run missing = run("plan", "--model", "/nonexistent/config.json", "--seq", "100");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err().lines()).hasSize(1);
        assertThat(missing.err()).contains("/nonexistent/config.json");
        Run dtype = run("plan", "--model", MODEL, "--seq", "100", "--dtype", "fp16");
        assertThat(dtype.code()).as("a usage error").isEqualTo(2);
        assertThat(dtype.err().strip())
                .isEqualTo("redi: error: --dtype: unknown compute dtype 'fp16' (expected fp32 or bf16)");
        Run seq = run("plan", "--model", MODEL, "--seq", "0");
        assertThat(seq.code()).isEqualTo(2);
        assertThat(seq.err()).contains("--seq must be >= 1");
    }
}
