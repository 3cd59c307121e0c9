package redispark.jobs.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * A Spark distribution laid out from the Maven test classpath: {@code jars/} links every Spark and library jar,
 * {@code bin/spark-submit} asks Spark's own launcher library for the driver command (as the distribution's
 * {@code bin/spark-class} does). The jobs classes become the application jar and the other project classes a jar
 * shipped with {@code --jars}, so the cluster gets the application only through spark-submit.
 */
final class SparkHome {
    final Path home;
    final Path appJar;
    final List<Path> shippedJars;

    private SparkHome(Path home, Path appJar, List<Path> shippedJars) {
        this.home = home;
        this.appJar = appJar;
        this.shippedJars = shippedJars;
    }

    static SparkHome fromTestClasspath(Path home) throws IOException {
        Path jars = Files.createDirectories(home.resolve("jars"));
        Path bin = Files.createDirectories(home.resolve("bin"));
        Path app = null;
        List<Path> shipped = new ArrayList<>();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry).toAbsolutePath();
            if (Files.isRegularFile(p) && p.toString().endsWith(".jar")) {
                Files.createSymbolicLink(jars.resolve(n++ + "-" + p.getFileName()), p);
            } else if (Files.isDirectory(p) && !p.endsWith("test-classes")) {
                Path jar = home.resolve(p.getParent().getParent().getFileName() + "-" + n++ + ".jar");
                writeJar(p, jar);
                if (Files.exists(p.resolve("redispark/jobs/cli/RediCli.class"))) {
                    app = jar;
                } else {
                    shipped.add(jar);
                }
            }
        }
        if (app == null) {
            throw new IllegalStateException("no jobs classes on the test classpath");
        }
        Path submit = bin.resolve("spark-submit");
        Files.writeString(submit, """
                #!/usr/bin/env bash
                # bin/spark-submit of this test distribution. Spark's launcher prints its messages line by line, then
                # an empty line, then the java command NUL-separated; the exit code is appended here. The command runs.
                set -euo pipefail
                export SPARK_SCALA_VERSION=2.13
                command=()
                delimiter=$'\n'
                while IFS= read -r -d "$delimiter" word; do
                  if [[ "$delimiter" == "" ]]; then
                    command+=("$word")
                  elif [[ -z "$word" ]]; then
                    delimiter=""
                  else
                    echo "$word" >&2
                  fi
                done < <(
                  "$JAVA_HOME/bin/java" -Xmx128m -cp "$SPARK_HOME/jars/*" org.apache.spark.launcher.Main \\
                    org.apache.spark.deploy.SparkSubmit "$@"; printf '%d\\0' $?)
                code="${command[${#command[@]}-1]}"
                [[ "$code" == 0 ]] || exit "$code"
                exec "${command[@]:0:${#command[@]}-1}"
                """);
        Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new SparkHome(home, app, shipped);
    }

    /** The classpath of a daemon JVM of this distribution. */
    String classpath() {
        return home.resolve("jars") + "/*";
    }

    private static void writeJar(Path classes, Path jar) throws IOException {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
                Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
    }
}
