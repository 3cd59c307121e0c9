package redispark.jobs.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on a real Spark standalone cluster: a Master and a Worker JVM on loopback, started from the
 * Maven jars, and the run submitted with {@code deploy/submit-standalone.sh} through Spark's launcher and
 * {@code SparkSubmit}, exactly as on a cluster. The executors are the Worker's child JVMs.
 */
class StandaloneClusterTest {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    /** Smallest run that still exercises every stage. */
    private static final List<String> TINY = List.of(
            "--set",
            "problems.count=16",
            "--set",
            "problems.heldout-count=2",
            "--set",
            "teacher.samples=2",
            "--set",
            "train.sft.epochs=1",
            "--set",
            "train.sft.batch-size=8",
            "--set",
            "train.redi.batch-size=4",
            "--set",
            "train.max-steps=2",
            "--set",
            "eval.samples=1",
            "--set",
            "eval.max-new-tokens=32");

    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void stopTheCluster() throws InterruptedException {
        for (int i = children.size() - 1; i >= 0; i--) {
            Process p = children.get(i);
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void thePipelineRunsOnAStandaloneClusterThroughSparkSubmit(@TempDir Path dir) throws Exception {
        SparkHome spark = SparkHome.fromTestClasspath(dir.resolve("spark-home"));
        // Authenticated, encrypted RPC as deploy/common.sh asks for it: the same secret on the master, the worker
        // and the submitting machine (one SPARK_CONF_DIR here)
        Path defaults = Files.createDirectories(spark.home.resolve("conf")).resolve("spark-defaults.conf");
        Files.writeString(
                defaults,
                "spark.authenticate true\nspark.network.crypto.enabled true\nspark.authenticate.secret "
                        + java.util.HexFormat.of().formatHex(redispark.dist.Rendezvous.newSecret()) + "\n");
        int masterPort = freePort();
        String master = "spark://127.0.0.1:" + masterPort;

        Path masterLog = dir.resolve("master.log");
        daemon(
                spark,
                masterLog,
                "org.apache.spark.deploy.master.Master",
                "--host",
                "127.0.0.1",
                "--port",
                String.valueOf(masterPort),
                "--webui-port",
                String.valueOf(freePort()));
        awaitLine(masterLog, "I have been elected leader", Duration.ofSeconds(60));

        Path workerLog = dir.resolve("worker.log");
        Path work = Files.createDirectories(dir.resolve("work"));
        daemon(
                spark,
                workerLog,
                "org.apache.spark.deploy.worker.Worker",
                "--host",
                "127.0.0.1",
                "--cores",
                "2",
                "--memory",
                "3g",
                "--webui-port",
                String.valueOf(freePort()),
                "--work-dir",
                work.toString(),
                master);
        awaitLine(workerLog, "Successfully registered with master", Duration.ofSeconds(60));

        Path run = dir.resolve("run");
        List<String> command = new ArrayList<>(List.of(
                "bash",
                REPO.resolve("deploy/submit-standalone.sh").toString(),
                "pipeline",
                "--run-dir",
                run.toString()));
        command.addAll(TINY);
        ProcessBuilder submit = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("submit.log").toFile());
        environment(spark, submit.environment());
        submit.environment()
                .putAll(Map.of(
                        "REDI_MASTER",
                        master,
                        "REDI_APP_JAR",
                        spark.appJar.toString(),
                        "REDI_JARS",
                        String.join(
                                ",",
                                spark.shippedJars.stream().map(Path::toString).toList()),
                        "REDI_DRIVER_MEMORY",
                        "2g",
                        "REDI_EXECUTOR_MEMORY",
                        "2g",
                        "REDI_EXECUTOR_CORES",
                        "2",
                        "REDI_TORCH_THREADS",
                        "2"));
        Process driver = submit.start();
        children.add(driver);
        // A guard against a hang, not a speed target: about 2 minutes on a quiet 2-core machine.
        boolean ended = driver.waitFor(15, TimeUnit.MINUTES);
        String output = Files.readString(dir.resolve("submit.log"));
        output.lines().filter(l -> l.startsWith("[redi]")).forEach(System.out::println);
        assertThat(ended)
                .as("spark-submit ended; its output:%n%s", tail(output))
                .isTrue();
        assertThat(driver.exitValue())
                .as("spark-submit exit code; its output:%n%s", tail(output))
                .isZero();

        JsonNode stages = new ObjectMapper()
                .readTree(run.resolve("manifest.json").toFile())
                .get("stages");
        List<String> done = new ArrayList<>();
        stages.fields().forEachRemaining(e -> {
            if ("done".equals(e.getValue().path("status").asText())) {
                done.add(e.getKey());
            }
        });
        assertThat(done)
                .containsExactlyInAnyOrder("generate", "label", "split", "train-sft", "train-redi", "eval", "report");
        assertThat(Files.readString(masterLog)).contains("Registered app");
        assertThat(Files.readString(workerLog)).contains("Asked to launch executor");
        // The work ran in the Worker's executor JVM, which fetched the application jar from the driver.
        try (Stream<Path> files = Files.walk(work)) {
            List<Path> executorJars = files.filter(p -> p.getFileName()
                            .toString()
                            .equals(spark.appJar.getFileName().toString()))
                    .toList();
            assertThat(executorJars)
                    .as("application jar in the executor's work dir")
                    .isNotEmpty();
        }
        assertThat(Files.exists(run.resolve("report/index.html"))).isTrue();
    }

    private void daemon(SparkHome spark, Path log, String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(javaBin(), "-Xmx256m"));
        command.addAll(List.of(jvmFlags()));
        command.addAll(List.of("-cp", spark.classpath(), mainClass));
        command.addAll(List.of(args));
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        environment(spark, pb.environment());
        children.add(pb.start());
    }

    private static void environment(SparkHome spark, Map<String, String> env) {
        env.put("SPARK_HOME", spark.home.toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("SPARK_LOCAL_HOSTNAME", "127.0.0.1");
        env.put("OMP_WAIT_POLICY", "PASSIVE");
        env.put("SPARK_CONF_DIR", spark.home.resolve("conf").toString());
    }

    /** The Java 17 flags of the parent pom, which the surefire JVM was started with. */
    private static String[] jvmFlags() {
        return java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens")
                        || a.startsWith("--enable-native-access")
                        || a.startsWith("-Dio.netty"))
                .toArray(String[]::new);
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void awaitLine(Path log, String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(text)) {
                return;
            }
            for (Process p : children) {
                assertThat(p.isAlive())
                        .as("daemon died; %s:%n%s", log, tail(Files.readString(log)))
                        .isTrue();
            }
            Thread.sleep(200);
        }
        throw new AssertionError(
                "no '" + text + "' in " + log + " after " + timeout + ":\n" + tail(Files.readString(log)));
    }

    private static String tail(String text) {
        return text.length() <= 6000 ? text : text.substring(text.length() - 6000);
    }
}
