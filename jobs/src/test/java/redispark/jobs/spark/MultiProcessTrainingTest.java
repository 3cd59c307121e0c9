package redispark.jobs.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.jobs.config.RediConfig;
import redispark.jobs.run.RunDir;
import redispark.jobs.stages.GenerateStage;
import redispark.jobs.stages.LabelStage;
import redispark.jobs.stages.SplitStage;
import redispark.jobs.stages.Stage;
import redispark.jobs.stages.StageContext;
import redispark.jobs.stages.StageOutcome;
import redispark.jobs.stages.StageRunner;
import redispark.jobs.stages.TrainStage;
import redispark.train.Checkpoints;
import redispark.train.TrainerState;
import redispark.train.objective.Objective;

/**
 * Training across processes: Spark {@code local-cluster[2,1,1024]} runs a standalone master and two workers in this
 * JVM, and each worker launches a real executor JVM, so the two ranks talk over TCP between processes. Killing one
 * executor JVM in the middle of a run must end in a completed run that resumed from the newest checkpoint and ends
 * with the weights of an undisturbed run.
 *
 * <p>local-cluster is Spark's own test mode and expects a Spark distribution: {@link LocalClusterHome} builds a
 * stand-in from the Maven test classpath (see its comment).
 */
class MultiProcessTrainingTest {
    @TempDir
    static Path runDir;

    @TempDir
    static Path sparkHome;

    static SparkSession spark;

    static final List<String> BASE = List.of(
            "problems.count=24",
            "problems.heldout-count=2",
            "teacher.samples=3",
            "train.sft.epochs=2",
            "train.sft.batch-size=4",
            "train.sft.micro-batch-size=4",
            "train.progress=false",
            "train.checkpoint-every=4",
            "train.workers=2",
            "train.threads=1");

    static StageContext context() {
        return new StageContext(spark, RunDir.open(spark, runDir.toString()), RediConfig.load(null, BASE));
    }

    @BeforeAll
    static void startCluster() throws Exception {
        spark = LocalClusterHome.session(sparkHome, "local-cluster[2,1,1024]");
        for (Stage s : List.of(new GenerateStage(), new LabelStage(), new SplitStage())) {
            StageRunner.run(s, context());
        }
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
        LocalClusterHome.clearProperties();
    }

    @Test
    void killingAnExecutorMidRunResumesAndEndsWithTheUndisturbedWeights() throws Exception {
        StageOutcome undisturbed = StageRunner.run(new TrainStage(Objective.SFT), context(), true);
        String undisturbedWeights = sha256(runDir.resolve("checkpoints/sft/model.safetensors"));
        long steps = undisturbed.rows().get("steps");
        assertThat(steps).isGreaterThan(8);
        assertThat(undisturbed.rows().get("resumed_from")).isEqualTo(-1L);

        // kill one executor JVM as soon as rank 0 has published a checkpoint
        Path resume = runDir.resolve("checkpoints/sft.resume");
        AtomicInteger checkpointAtKill = new AtomicInteger(-1);
        AtomicLong killedPid = new AtomicLong(-1);
        Thread killer = new Thread(
                () -> {
                    long deadline = System.nanoTime() + 300_000_000_000L;
                    while (System.nanoTime() < deadline && killedPid.get() < 0) {
                        Path state = resume.resolve(Checkpoints.TRAINER_STATE);
                        if (Files.isRegularFile(state)) {
                            Optional<ProcessHandle> executor =
                                    executors().stream().findFirst();
                            if (executor.isPresent()) {
                                checkpointAtKill.set(TrainerState.read(state).globalStep());
                                executor.get().destroyForcibly();
                                killedPid.set(executor.get().pid());
                                return;
                            }
                        }
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "executor-killer");
        killer.setDaemon(true);
        killer.start();
        StageOutcome disturbed = StageRunner.run(new TrainStage(Objective.SFT), context(), true);
        killer.join();

        assertThat(killedPid.get()).as("an executor JVM was killed").isPositive();
        assertThat(ProcessHandle.of(killedPid.get()).map(ProcessHandle::isAlive).orElse(false))
                .isFalse();
        assertThat(disturbed.rows().get("steps")).isEqualTo(steps);
        // it resumed from a checkpoint at least as new as the one published before the kill: at most one interval
        // (4 steps) of work was lost
        assertThat(disturbed.rows().get("resumed_from"))
                .isGreaterThanOrEqualTo((long) checkpointAtKill.get())
                .isPositive();
        assertThat(sha256(runDir.resolve("checkpoints/sft/model.safetensors"))).isEqualTo(undisturbedWeights);
    }

    /** The executor JVMs the local cluster's workers launched (descendants of this JVM). */
    static List<ProcessHandle> executors() {
        List<ProcessHandle> out = new ArrayList<>();
        ProcessHandle.current().descendants().forEach(p -> {
            if (commandLine(p).contains("CoarseGrainedExecutorBackend")) {
                out.add(p);
            }
        });
        return out;
    }

    /** The process's command line ({@code /proc/<pid>/cmdline}: ProcessHandle.Info may leave it out). */
    static String commandLine(ProcessHandle p) {
        try {
            return new String(
                    Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline")),
                    java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException | RuntimeException e) {
            return p.info().commandLine().orElse("");
        }
    }

    static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
