package redispark.jobs.stages;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import redispark.jobs.cli.RediCli;

/** One small embedded pipeline run per test JVM, shared by the tests that inspect a finished run. */
final class SmallRun {
    private static Path dir;

    private SmallRun() {}

    static synchronized Path dir() {
        if (dir == null) {
            Path run = Path.of("target", "small-run-" + ProcessHandle.current().pid()).toAbsolutePath();
            int code = RediCli.execute("pipeline", "--run-dir", run.toString(),
                    "--set", "problems.count=80", "--set", "problems.heldout-count=12",
                    "--set", "train.sft.epochs=1", "--set", "train.sft.batch-size=8",
                    "--set", "train.redi.batch-size=4", "--set", "eval.samples=2",
                    "--set", "eval.max-new-tokens=96");
            assertThat(code).as("pipeline exit code").isZero();
            dir = run;
        }
        return dir;
    }
}
