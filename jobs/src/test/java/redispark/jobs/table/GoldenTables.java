package redispark.jobs.table;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.row_number;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import redispark.run.LocalFiles;

/**
 * The reference copies of the run directory's tables ({@code src/test/resources/golden/<table>-v<version>/}): a few
 * rows of each table of a real run, in one Parquet file, with the schema the run wrote. {@link GoldenTablesTest}
 * reads them back through the table classes, so a change of a table's columns (or a version bump without new
 * copies) fails there.
 *
 * <p>To write them again after a deliberate change of a table (bump its {@code VERSION}), run a small pipeline and a
 * DPO run, so that every table exists, then rewrite the copies from that run directory and check them:
 *
 * <pre>
 * S="--set problems.count=80 --set problems.heldout-count=12 --set train.sft.epochs=1 --set train.sft.batch-size=8 \
 *    --set train.redi.batch-size=4 --set eval.samples=2 --set eval.max-new-tokens=96 --set eval.every=4 \
 *    --set split.max-response-tokens=60"  # some traces rejected, so rejects has rows
 * bin/redi pipeline --run-dir /tmp/golden-run $S
 * bin/redi train-redi --objective dpo --run-dir /tmp/golden-run $S --set train.dpo.batch-size=4
 * mvn -q -B -ntp -o -pl jobs -am -Dtest=GoldenTablesTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dredi.golden.write=/tmp/golden-run test
 * </pre>
 */
final class GoldenTables {
    private GoldenTables() {}

    /** Where the copies live, relative to the {@code jobs} module (the tests' working directory). */
    static final Path DIR = Path.of("src", "test", "resources", "golden");

    /** Set to a run directory, the test run first rewrites the copies from its tables. */
    static final String WRITE_PROPERTY = "redi.golden.write";

    /**
     * One table's copy: the table in a run directory ({@code *} = its first instance), and which rows to keep — the
     * first {@code rows} by {@code order} of each value of {@code spreadOver}, so both kinds of a flag are there.
     */
    record Golden(TableLayout layout, String source, String spreadOver, List<String> order, int rows) {
        Path dir() {
            return DIR.resolve(layout.versionedName());
        }
    }

    static final List<Golden> ALL = List.of(
            new Golden(ProblemsTable.LAYOUT, "problems", "split", List.of("problem_id"), 2),
            new Golden(TracesTable.LAYOUT, "traces", null, List.of("problem_id", "sample_idx"), 3),
            new Golden(LabeledTracesTable.LAYOUT, "labeled", "correct", List.of("problem_id", "sample_idx"), 2),
            new Golden(PositivesTable.LAYOUT, "positives", "selected", List.of("problem_id", "sample_idx"), 2),
            new Golden(NegativesTable.LAYOUT, "negatives", null, List.of("problem_id", "sample_idx"), 3),
            new Golden(PairsTable.LAYOUT, "pairs", null, List.of("problem_id", "chosen_idx", "rejected_idx"), 3),
            new Golden(RejectsTable.LAYOUT, "rejects", "stage", List.of("reason", "problem_id", "sample_idx"), 2),
            new Golden(
                    RefLogProbsTable.LAYOUT,
                    "ref_logps/*",
                    null,
                    List.of("problem_id", "chosen_idx", "rejected_idx"),
                    3),
            new Golden(
                    EvalGenerationsTable.LAYOUT,
                    "eval/generations",
                    "model",
                    List.of("benchmark", "problem_id", "sample_idx"),
                    1),
            new Golden(MetricsTable.LAYOUT, "metrics/sft", null, List.of("step", "name"), 4));

    /** Rewrites every copy from the tables of {@code runDir}. */
    static void writeAll(SparkSession spark, Path runDir) {
        for (Golden g : ALL) {
            write(spark, g, resolve(runDir, g.source()));
            System.out.println("[golden] wrote " + g.dir());
        }
    }

    private static void write(SparkSession spark, Golden g, Path table) {
        LocalFiles.deleteTree(g.dir());
        if (g.layout() == RejectsTable.LAYOUT) { // kept partitioned by stage, as the run directory has it
            for (Path stage : list(table)) {
                if (stage.getFileName().toString().startsWith(RejectsTable.STAGE + "=")) {
                    copy(spark, g, stage, g.dir().resolve(stage.getFileName().toString()));
                }
            }
        } else {
            copy(spark, g, table, g.dir());
        }
    }

    /** The chosen rows of one Parquet folder, written again with the schema stored in its files. */
    private static void copy(SparkSession spark, Golden g, Path from, Path to) {
        Path firstFile = list(from).stream()
                .filter(p -> p.getFileName().toString().endsWith(".parquet"))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no Parquet file in " + from));
        StructType written = writtenSchema(firstFile);
        Dataset<Row> all = spark.read().parquet(from.toString());
        Dataset<Row> picked = g.spreadOver() == null || !List.of(all.columns()).contains(g.spreadOver())
                ? all.orderBy(g.order().stream().map(c -> col(c)).toArray(org.apache.spark.sql.Column[]::new))
                        .limit(g.rows())
                : all.withColumn(
                                "_n",
                                row_number()
                                        .over(Window.partitionBy(g.spreadOver())
                                                .orderBy(g.order().stream()
                                                        .map(c -> col(c))
                                                        .toArray(org.apache.spark.sql.Column[]::new))))
                        .filter(col("_n").leq(g.rows()))
                        .drop("_n")
                        .orderBy(g.spreadOver(), g.order().toArray(String[]::new));
        List<Row> rows = picked.select(written.fieldNames()[0], rest(written)).collectAsList();
        Path staging = to.resolveSibling(to.getFileName() + ".staging");
        spark.createDataFrame(rows, written).coalesce(1).write().parquet(staging.toString());
        try {
            Files.createDirectories(to);
            Path part = list(staging).stream()
                    .filter(p -> p.getFileName().toString().endsWith(".parquet"))
                    .findFirst()
                    .orElseThrow();
            Files.move(part, to.resolve("part-00000.parquet"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            LocalFiles.deleteTree(staging);
        }
    }

    private static String[] rest(StructType schema) {
        String[] names = schema.fieldNames();
        return java.util.Arrays.copyOfRange(names, 1, names.length);
    }

    /** The Spark schema a Parquet file was written with (nullability included), from its footer. */
    static StructType writtenSchema(Path parquetFile) {
        try (ParquetFileReader reader = ParquetFileReader.open(
                HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(parquetFile.toUri()), new Configuration()))) {
            String json = reader.getFooter()
                    .getFileMetaData()
                    .getKeyValueMetaData()
                    .get("org.apache.spark.sql.parquet.row.metadata");
            return (StructType) DataType.fromJson(json);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the footer of " + parquetFile, e);
        }
    }

    private static Path resolve(Path runDir, String source) {
        if (!source.endsWith("/*")) {
            return runDir.resolve(source);
        }
        Path parent = runDir.resolve(source.substring(0, source.length() - 2));
        return list(parent).stream()
                .filter(Files::isDirectory)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no table under " + parent));
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
