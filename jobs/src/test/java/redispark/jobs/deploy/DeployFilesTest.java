package redispark.jobs.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.jobs.stages.Pipeline;
import redispark.jobs.stages.Stage;

/** The files of {@code deploy/} checked as far as this machine allows without a cluster, Docker or Airflow. */
class DeployFilesTest {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path DEPLOY = REPO.resolve("deploy");

    record Result(int code, String output) {}

    private static Result run(Map<String, String> env, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), output);
    }

    private static List<String> pomJvmFlags() throws IOException {
        Matcher m = Pattern.compile("<spark.jvm.flags>(.*)</spark.jvm.flags>")
                .matcher(Files.readString(REPO.resolve("pom.xml")));
        assertThat(m.find()).isTrue();
        return List.of(m.group(1).trim().split("\\s+"));
    }

    @Test
    void everyShellScriptParses() throws Exception {
        List<Path> scripts = new ArrayList<>();
        for (Path dir : List.of(DEPLOY, REPO.resolve("notebooks"), REPO.resolve(".ci"))) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.filter(f -> f.toString().endsWith(".sh")
                                || f.getFileName().toString().equals("run"))
                        .forEach(scripts::add);
            }
        }
        assertThat(scripts)
                .extracting(p -> p.getFileName().toString())
                .contains(
                        "common.sh",
                        "gpu-discovery.sh",
                        "submit-standalone.sh",
                        "submit-yarn.sh",
                        "submit-k8s.sh",
                        "run-notebooks.sh",
                        "run");
        for (Path script : scripts) {
            Result r = run(Map.of(), "bash", "-n", script.toString());
            assertThat(r.code()).as("bash -n %s: %s", script, r.output()).isZero();
        }
    }

    @Test
    void gpuDiscoveryListsTheVisibleDevicesAsSparkResourceJson(@TempDir Path dir) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path smi = bin.resolve("nvidia-smi");
        Files.writeString(smi, "#!/usr/bin/env bash\nprintf '0\\n1\\n2\\n3\\n'\n");
        Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
        String script = DEPLOY.resolve("gpu-discovery.sh").toString();
        String path = bin + ":/usr/bin:/bin";
        ObjectMapper json = new ObjectMapper();

        Result all = run(Map.of("PATH", path), "bash", script);
        assertThat(json.readTree(all.output()).get("name").asText()).isEqualTo("gpu");
        assertThat(json.readTree(all.output()).get("addresses").toString()).isEqualTo("[\"0\",\"1\",\"2\",\"3\"]");

        Result visible = run(Map.of("PATH", path, "CUDA_VISIBLE_DEVICES", "1,3"), "bash", script);
        assertThat(json.readTree(visible.output()).get("addresses").toString()).isEqualTo("[\"1\",\"3\"]");

        Result none = run(Map.of("PATH", "/usr/bin:/bin"), "bash", script);
        assertThat(none.code()).isZero();
        assertThat(json.readTree(none.output()).get("addresses").size()).isZero();
    }

    /** Runs a launcher against a spark-submit that prints its arguments, one per line. */
    private static List<String> submitArguments(Path dir, String launcher, Map<String, String> env, String... args)
            throws Exception {
        Path home = dir.resolve("spark");
        Path submit = home.resolve("bin/spark-submit");
        if (!Files.exists(submit)) {
            Files.createDirectories(submit.getParent());
            Files.writeString(submit, "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\"\n");
            Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
            // what a standalone cluster with authentication has on every node
            Path defaults = Files.createDirectories(home.resolve("conf")).resolve("spark-defaults.conf");
            Files.writeString(defaults, "spark.authenticate.secret 4f0c2a9e\n");
            Files.setPosixFilePermissions(defaults, PosixFilePermissions.fromString("rw-------"));
        }
        Map<String, String> all = new HashMap<>(env);
        all.put("SPARK_HOME", home.toString());
        List<String> command =
                new ArrayList<>(List.of("bash", DEPLOY.resolve(launcher).toString()));
        command.addAll(List.of(args));
        Result r = run(all, command.toArray(String[]::new));
        assertThat(r.code()).as("%s: %s", launcher, r.output()).isZero();
        return r.output().lines().toList();
    }

    private static String confValue(List<String> arguments, String key) {
        for (int i = 0; i + 1 < arguments.size(); i++) {
            if (arguments.get(i).equals("--conf") && arguments.get(i + 1).startsWith(key + "=")) {
                return arguments.get(i + 1).substring(key.length() + 1);
            }
        }
        return null;
    }

    @Test
    void launchersSubmitTheCliWithTheJava17FlagsAndTrainingSettings(@TempDir Path dir) throws Exception {
        List<String> standalone = submitArguments(
                dir,
                "submit-standalone.sh",
                Map.of("REDI_MASTER", "spark://m:7077", "REDI_JARS", "a.jar,b.jar"),
                "pipeline",
                "--run-dir",
                "s3a://b/r");
        assertThat(standalone).containsSubsequence("--master", "spark://m:7077");
        assertThat(standalone).containsSubsequence("--class", "redispark.jobs.cli.RediCli");
        assertThat(standalone).containsSubsequence("--jars", "a.jar,b.jar");
        assertThat(standalone.subList(standalone.size() - 3, standalone.size()))
                .containsExactly("pipeline", "--run-dir", "s3a://b/r");
        assertThat(confValue(standalone, "spark.dynamicAllocation.enabled")).isEqualTo("false");
        assertThat(confValue(standalone, "spark.task.cpus"))
                .as("one training replica per executor")
                .isEqualTo(standalone.get(standalone.indexOf("--executor-cores") + 1));
        assertThat(confValue(standalone, "spark.executor.memoryOverhead")).isNotBlank();
        assertThat(confValue(standalone, "spark.hadoop.fs.s3a.aws.credentials.provider"))
                .isEqualTo("software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider");
        for (String key : List.of("spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions")) {
            assertThat(confValue(standalone, key).split(" "))
                    .as(key)
                    .contains(pomJvmFlags().toArray(String[]::new));
        }
        assertThat(confValue(standalone, "spark.executor.resource.gpu.amount"))
                .as("CPU by default")
                .isNull();
        assertThat(String.join("\n", standalone)).doesNotContainIgnoringCase("secret");

        List<String> eval = submitArguments(dir, "submit-standalone.sh", Map.of(), "eval", "--run-dir", "r");
        assertThat(confValue(eval, "spark.dynamicAllocation.enabled"))
                .as("only training pins executors")
                .isNull();
        assertThat(confValue(eval, "spark.task.cpus"))
                .as("eval runs a task per core")
                .isNull();

        List<String> yarn = submitArguments(
                dir,
                "submit-yarn.sh",
                Map.of(
                        "HADOOP_CONF_DIR",
                        "/etc/hadoop/conf",
                        "REDI_GPUS_PER_EXECUTOR",
                        "2",
                        "REDI_CONF_FILE",
                        "/x/cluster.conf"),
                "train-sft",
                "--run-dir",
                "r");
        assertThat(yarn).containsSubsequence("--master", "yarn", "--deploy-mode", "cluster");
        assertThat(confValue(yarn, "spark.executor.resource.gpu.amount")).isEqualTo("2");
        assertThat(confValue(yarn, "spark.task.resource.gpu.amount")).isEqualTo("1");
        assertThat(confValue(yarn, "spark.executor.resource.gpu.discoveryScript"))
                .isEqualTo("./gpu-discovery.sh");
        assertThat(yarn.get(yarn.indexOf("--files") + 1)).endsWith("deploy/gpu-discovery.sh,/x/cluster.conf");
        assertThat(yarn.subList(yarn.size() - 5, yarn.size()))
                .containsExactly("train-sft", "--run-dir", "r", "--conf", "cluster.conf");

        List<String> k8s = submitArguments(
                dir,
                "submit-k8s.sh",
                Map.of(
                        "REDI_K8S_MASTER",
                        "k8s://https://api:6443",
                        "REDI_IMAGE",
                        "reg/redi:1",
                        "REDI_GPUS_PER_EXECUTOR",
                        "1"),
                "pipeline",
                "--run-dir",
                "s3a://b/r");
        assertThat(k8s).containsSubsequence("--master", "k8s://https://api:6443", "--deploy-mode", "cluster");
        assertThat(confValue(k8s, "spark.kubernetes.container.image")).isEqualTo("reg/redi:1");
        assertThat(confValue(k8s, "spark.executor.resource.gpu.vendor")).isEqualTo("nvidia.com");
        assertThat(k8s).contains("local:///opt/redi/jars/redi-spark-jobs.jar").doesNotContain("--jars");

        Result missing = run(
                Map.of("SPARK_HOME", dir.resolve("spark").toString()),
                "bash",
                DEPLOY.resolve("submit-k8s.sh").toString(),
                "pipeline");
        assertThat(missing.code()).isNotZero();
        assertThat(missing.output()).contains("REDI_K8S_MASTER");

        // Spark's RPC carries the ring's run secret in the task closure: authenticated and encrypted everywhere
        for (List<String> launched : List.of(standalone, eval, yarn, k8s)) {
            assertThat(confValue(launched, "spark.authenticate")).isEqualTo("true");
            assertThat(confValue(launched, "spark.network.crypto.enabled")).isEqualTo("true");
            assertThat(confValue(launched, "spark.authenticate.secret"))
                    .as("never on the command line")
                    .isNull();
        }
    }

    @Test
    void standaloneLaunchStopsWithoutASharedSecretUnlessAuthenticationIsTurnedOff(@TempDir Path dir) throws Exception {
        Path home = dir.resolve("spark");
        Path submit = Files.createDirectories(home.resolve("bin")).resolve("spark-submit");
        Files.writeString(submit, "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\"\n");
        Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
        String launcher = DEPLOY.resolve("submit-standalone.sh").toString();

        Result noSecret = run(Map.of("SPARK_HOME", home.toString()), "bash", launcher, "pipeline", "--run-dir", "r");
        assertThat(noSecret.code()).as(noSecret.output()).isEqualTo(2);
        assertThat(noSecret.output())
                .contains(
                        "spark.authenticate.secret",
                        home.resolve("conf/spark-defaults.conf").toString())
                .hasLineCount(1);

        Path confDir = Files.createDirectories(dir.resolve("cluster-conf"));
        Files.writeString(confDir.resolve("spark-defaults.conf"), "spark.master spark://m:7077\n");
        Result commentedOut = run(
                Map.of("SPARK_HOME", home.toString(), "SPARK_CONF_DIR", confDir.toString()),
                "bash",
                launcher,
                "pipeline",
                "--run-dir",
                "r");
        assertThat(commentedOut.code()).isEqualTo(2);

        Files.writeString(confDir.resolve("spark-defaults.conf"), "spark.authenticate.secret=9b1d\n");
        Result withSecret = run(
                Map.of("SPARK_HOME", home.toString(), "SPARK_CONF_DIR", confDir.toString()),
                "bash",
                launcher,
                "pipeline",
                "--run-dir",
                "r");
        assertThat(withSecret.code()).as(withSecret.output()).isZero();
        assertThat(confValue(withSecret.output().lines().toList(), "spark.authenticate"))
                .isEqualTo("true");
        assertThat(withSecret.output()).doesNotContain("9b1d");

        Result off = run(
                Map.of("SPARK_HOME", home.toString(), "REDI_SPARK_AUTHENTICATE", "false"),
                "bash",
                launcher,
                "pipeline",
                "--run-dir",
                "r");
        assertThat(off.code()).as(off.output()).isZero();
        List<String> offArguments = off.output().lines().toList();
        assertThat(confValue(offArguments, "spark.authenticate")).isNull();
        assertThat(off.output()).contains("REDI_SPARK_AUTHENTICATE=false", "run secret");

        Result typo = run(
                Map.of("SPARK_HOME", home.toString(), "REDI_SPARK_AUTHENTICATE", "yes"),
                "bash",
                launcher,
                "pipeline",
                "--run-dir",
                "r");
        assertThat(typo.code()).isEqualTo(2);
        assertThat(typo.output()).contains("REDI_SPARK_AUTHENTICATE must be true or false");
    }

    private static final Set<String> DOCKER_INSTRUCTIONS = Set.of(
            "FROM",
            "RUN",
            "CMD",
            "LABEL",
            "EXPOSE",
            "ENV",
            "ADD",
            "COPY",
            "ENTRYPOINT",
            "VOLUME",
            "USER",
            "WORKDIR",
            "ARG",
            "ONBUILD",
            "STOPSIGNAL",
            "HEALTHCHECK",
            "SHELL");

    @Test
    void dockerfileIsWellFormedAndBuildsFromFilesThatExist() throws IOException {
        List<String> instructions = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(DEPLOY.resolve("Dockerfile"))) {
            String trimmed = line.strip();
            if (current.isEmpty() && (trimmed.isEmpty() || trimmed.startsWith("#"))) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
            } else {
                instructions.add(current.append(trimmed).toString());
                current.setLength(0);
            }
        }
        assertThat(current).as("no dangling line continuation").isEmpty();
        Map<String, String> args = new HashMap<>();
        Set<String> stages = new LinkedHashSet<>();
        boolean seenFrom = false;
        for (String instruction : instructions) {
            String keyword = instruction.split("\\s+", 2)[0];
            String rest = instruction.substring(keyword.length()).strip();
            assertThat(DOCKER_INSTRUCTIONS)
                    .as("instruction of: %s", instruction)
                    .contains(keyword);
            assertThat(keyword).as("instructions are upper case").isEqualTo(keyword.toUpperCase());
            assertThat(seenFrom || keyword.equals("ARG") || keyword.equals("FROM"))
                    .as("only ARG before the first FROM: %s", instruction)
                    .isTrue();
            switch (keyword) {
                case "ARG" -> {
                    String[] kv = rest.split("=", 2);
                    args.put(kv[0], kv.length > 1 ? kv[1] : "");
                }
                case "FROM" -> {
                    seenFrom = true;
                    String[] words = rest.split("\\s+");
                    String image = words[0];
                    Matcher ref = Pattern.compile("\\$\\{(\\w+)}").matcher(image);
                    if (ref.matches()) {
                        assertThat(args).as("FROM uses a declared ARG").containsKey(ref.group(1));
                        image = args.get(ref.group(1));
                    }
                    assertThat(image).as("a tagged image").matches("[\\w./-]+:[\\w.-]+");
                    if (words.length == 3) {
                        assertThat(words[1]).isEqualToIgnoringCase("AS");
                        stages.add(words[2]);
                    }
                }
                case "COPY" -> {
                    List<String> words = new ArrayList<>(List.of(rest.split("\\s+")));
                    String from = words.stream()
                            .filter(w -> w.startsWith("--from="))
                            .findFirst()
                            .orElse(null);
                    words.removeIf(w -> w.startsWith("--"));
                    assertThat(words.size())
                            .as("source and destination: %s", instruction)
                            .isGreaterThanOrEqualTo(2);
                    if (from != null) {
                        assertThat(stages).as("COPY from an earlier stage").contains(from.substring(7));
                    } else {
                        for (String source : words.subList(0, words.size() - 1)) {
                            assertThat(REPO.resolve(source))
                                    .as("COPY source in the build context")
                                    .exists();
                        }
                    }
                }
                default -> {}
            }
        }
        assertThat(args.get("SPARK_IMAGE")).startsWith("apache/spark:4.2.").contains("java17");
        List<String> users =
                instructions.stream().filter(i -> i.startsWith("USER ")).toList();
        assertThat(users.get(users.size() - 1))
                .as("runs as the image's non-root spark user")
                .isEqualTo("USER 185");
        // The layout submit-k8s.sh and spark-application.yaml expect.
        assertThat(String.join("\n", instructions))
                .contains(
                        "/out/jars/redi-spark-jobs.jar",
                        "COPY --from=build /out/jars /opt/redi/jars",
                        "/opt/redi/deploy/gpu-discovery.sh");
    }

    @Test
    void sparkApplicationManifestMatchesTheLaunchers() throws IOException {
        String yaml = Files.readString(DEPLOY.resolve("spark-application.yaml"));
        assertThat(yaml).doesNotContain("\t");
        assertThat(yaml)
                .contains(
                        "kind: SparkApplication",
                        "mainClass: redispark.jobs.cli.RediCli",
                        "mainApplicationFile: local:///opt/redi/jars/redi-spark-jobs.jar",
                        "spark.dynamicAllocation.enabled: \"false\"",
                        "spark.task.cpus: \"4\"",
                        "    cores: 4",
                        "spark.task.resource.gpu.amount:",
                        "spark.executor.resource.gpu.discoveryScript: /opt/redi/deploy/gpu-discovery.sh",
                        "spark.authenticate: \"true\"",
                        "spark.network.crypto.enabled: \"true\"",
                        "memoryOverhead:");
        for (String key : List.of("spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions")) {
            int at = yaml.indexOf(key);
            String block = yaml.substring(at, yaml.indexOf("\n    spark.", at + key.length()));
            assertThat(block.split("\\s+")).as(key).contains(pomJvmFlags().toArray(String[]::new));
        }
        for (String line : yaml.lines().toList()) {
            int indent = line.length() - line.stripLeading().length();
            assertThat(indent % 2).as("two-space indentation: %s", line).isZero();
        }
    }

    @Test
    void airflowDagCompilesAndRunsEveryStageInOrder(@TempDir Path dir) throws Exception {
        Path dag = DEPLOY.resolve("airflow/redi_pipeline_dag.py");
        String source = Files.readString(dag);
        Matcher stages = Pattern.compile("STAGES = \\[(.*?)]").matcher(source);
        assertThat(stages.find()).isTrue();
        List<String> names = Pipeline.stages().stream().map(Stage::name).toList();
        assertThat(stages.group(1)).isEqualTo("\"" + String.join("\", \"", names) + "\"");
        assertThat(source)
                .contains(
                        "SparkSubmitOperator(",
                        "java_class=\"redispark.jobs.cli.RediCli\"",
                        "\"spark.dynamicAllocation.enabled\"] = \"false\"",
                        "\"spark.authenticate\": \"true\"",
                        "\"spark.network.crypto.enabled\": \"true\"");

        Path python = Stream.of("/usr/bin/python3", "/usr/local/bin/python3")
                .map(Path::of)
                .filter(Files::isExecutable)
                .findFirst()
                .orElse(null);
        assumeTrue(python != null, "python3 not installed: the Airflow DAG is not syntax-checked");
        Result compiled = run(
                Map.of(),
                python.toString(),
                "-c",
                "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)",
                dag.toString(),
                dir.resolve("dag.pyc").toString());
        assertThat(compiled.code()).as(compiled.output()).isZero();
    }
}
