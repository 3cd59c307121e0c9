package redispark.jobs.stages;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import redispark.jobs.cli.RediCli;

/** One small embedded pipeline run per test JVM, shared by the tests that inspect a finished run. */
final class SmallRun {
    /** The settings of the small run (config overrides as CLI arguments). */
    static final String[] SETTINGS = {
        "--set",
        "problems.count=80",
        "--set",
        "problems.heldout-count=12",
        "--set",
        "train.sft.epochs=1",
        "--set",
        "train.sft.batch-size=8",
        "--set",
        "train.redi.batch-size=4",
        "--set",
        "eval.samples=2",
        "--set",
        "eval.max-new-tokens=96",
        "--set",
        "eval.every=4"
    };

    private static Path dir;

    private SmallRun() {}

    static String[] pipeline(Path run, String... settings) {
        String[] args = new String[settings.length + 3];
        args[0] = "pipeline";
        args[1] = "--run-dir";
        args[2] = run.toString();
        System.arraycopy(settings, 0, args, 3, settings.length);
        return args;
    }

    static synchronized Path dir() {
        if (dir == null) {
            Path run = Path.of("target", "small-run-" + ProcessHandle.current().pid())
                    .toAbsolutePath();
            int code = RediCli.execute(pipeline(run, SETTINGS));
            assertThat(code).as("pipeline exit code").isZero();
            dir = run;
        }
        return dir;
    }
}
