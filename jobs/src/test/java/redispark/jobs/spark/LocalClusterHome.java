package redispark.jobs.spark;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Runs Spark's {@code local-cluster[N,cores,MiB]} master from Maven jars, without a Spark distribution.
 *
 * <p>What local-cluster needs and how this provides it (Spark 4.2):
 * <ul>
 *   <li>The workers only start executors in testing mode with a Spark home: the system properties
 *       {@code spark.testing=true} and {@code spark.test.home=<dir>} ({@code Worker} asserts the latter).
 *   <li>The executor command is built by the launcher library ({@code WorkerCommandBuilder}): it needs
 *       {@code <home>/RELEASE} to take {@code <home>/jars/*} as Spark's classpath, and a Scala version, which it
 *       reads from {@code SPARK_SCALA_VERSION} or finds as the directory {@code <home>/launcher/target/scala-2.13}
 *       (an environment variable cannot be set from inside the JVM, so the directory is made).
 *   <li>{@code jars/} gets a symbolic link to every jar of this test JVM's classpath ({@code surefire.test.class.path},
 *       which Maven Surefire sets to the real classpath), and the class directories of the modules
 *       ({@code target/classes}, {@code target/test-classes}) go to {@code spark.executor.extraClassPath}. (In
 *       testing mode the standalone scheduler also appends the driver's {@code java.class.path} to the executor
 *       command, so the links mainly satisfy the launcher's check that {@code jars/} exists.)
 *   <li>The executors inherit this JVM's environment (DJL's cache, {@code OMP_WAIT_POLICY}) and get Spark's
 *       {@code --add-opens} from Spark itself; the PyTorch thread count is passed as a Java option.
 * </ul>
 */
final class LocalClusterHome {
    private LocalClusterHome() {}

    static SparkSession session(Path home, String master) {
        List<String> directories = prepare(home);
        System.setProperty("spark.testing", "true");
        System.setProperty("spark.test.home", home.toString());
        SparkConf conf = new SparkConf()
                .setMaster(master)
                .setAppName("redi-local-cluster")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.executor.extraClassPath", String.join(File.pathSeparator, directories))
                .set(
                        "spark.executor.extraJavaOptions",
                        "-Dai.djl.pytorch.num_threads=1 " + "-Dai.djl.pytorch.num_interop_threads=1")
                .set("spark.sql.shuffle.partitions", "2")
                .set("spark.barrier.sync.timeout", "300s")
                // a lost executor must be replaced quickly: check the slots of a barrier stage every 2 s
                .set("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "2s")
                .set("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", "60");
        return SparkSession.builder().config(conf).getOrCreate();
    }

    static void clearProperties() {
        System.clearProperty("spark.testing");
        System.clearProperty("spark.test.home");
    }

    /** Lays out the stand-in Spark home; returns the classpath directories the executors need besides the jars. */
    static List<String> prepare(Path home) {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> directories = new ArrayList<>();
        try {
            Files.createDirectories(home.resolve("jars"));
            Files.createDirectories(home.resolve("launcher/target/scala-2.13"));
            Files.writeString(home.resolve("RELEASE"), "Spark stand-in for local-cluster tests (Maven jars)\n");
            int i = 0;
            for (String entry : classpath.split(File.pathSeparator)) {
                Path p = Path.of(entry).toAbsolutePath();
                if (Files.isDirectory(p)) {
                    directories.add(p.toString());
                } else if (entry.endsWith(".jar") && Files.isRegularFile(p)) {
                    // a numeric prefix keeps two jars of the same name apart
                    Files.createSymbolicLink(home.resolve("jars").resolve((i++) + "-" + p.getFileName()), p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lay out a Spark home in " + home, e);
        }
        return directories;
    }
}
