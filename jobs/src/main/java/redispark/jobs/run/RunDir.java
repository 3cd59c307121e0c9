package redispark.jobs.run;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import redispark.jobs.table.RejectsTable;
import redispark.run.RunManifest;

/**
 * One pipeline run's directory (a local path or {@code s3a://…}): its Parquet tables, checkpoints, evaluation,
 * report and {@code manifest.json}. Every write lands in a staging path first and is renamed into place, so a stage
 * that dies leaves the previous table (or none), never half of one.
 */
public final class RunDir implements Serializable {
    public static final String MANIFEST = "manifest.json";

    private final String root;
    private final HadoopFiles files;

    private RunDir(String root, HadoopFiles files) {
        this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
        this.files = files;
    }

    public static RunDir open(SparkSession spark, String root) {
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        FileSystem fs = files.fs(root);
        return new RunDir(fs.makeQualified(new Path(root)).toString(), files);
    }

    public String root() {
        return root;
    }

    public HadoopFiles files() {
        return files;
    }

    /** Absolute URI of a path inside the run directory. */
    public String path(String relative) {
        return root + "/" + relative;
    }

    public boolean exists(String relative) {
        return files.exists(path(relative));
    }

    /** Writes {@code table} as Parquet, atomically; returns its row count. */
    public long writeTable(Dataset<Row> table, String name) {
        Dataset<Row> cached = table.cache();
        try {
            long rows = cached.count();
            Path target = new Path(path(name));
            Path staging =
                    new Path(path(HadoopFiles.STAGING_PREFIX + name.replace('/', '_') + "-" + System.nanoTime()));
            FileSystem fs = files.fs(root);
            try {
                cached.write().mode(SaveMode.ErrorIfExists).parquet(staging.toString());
                HadoopFiles.replace(fs, staging, target);
            } catch (IOException | RuntimeException e) {
                try {
                    fs.delete(staging, true);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed); // the next start deletes it
                }
                if (e instanceof RuntimeException re) {
                    throw re;
                }
                throw new UncheckedIOException("cannot move table " + name + " into place", (IOException) e);
            }
            return rows;
        } finally {
            cached.unpersist();
        }
    }

    /**
     * Writes one stage's rejected rows to {@link RejectsTable#partition} (atomically, replacing that stage's previous
     * rejects only), so {@code rejects} read as a whole has every stage's rows with a {@code stage} column.
     *
     * @param rejects rows with the {@link RejectsTable} columns, by name (their {@code stage} is not stored)
     * @return reject counts per reason
     */
    public java.util.Map<String, Long> writeRejects(String stage, Dataset<Row> rejects) {
        Dataset<Row> rows = RejectsTable.conform(rejects).drop(RejectsTable.STAGE);
        java.util.Map<String, Long> perReason = new java.util.TreeMap<>();
        for (Row r : rows.groupBy(RejectsTable.REASON).count().collectAsList()) {
            perReason.put(r.getString(0), r.getLong(1));
        }
        writeTable(rows, RejectsTable.partition(stage));
        return perReason;
    }

    /** Reads a table a previous stage wrote; a missing table is a one-line error naming the stage to run. */
    public Dataset<Row> readTable(SparkSession spark, String name, String producedBy) {
        if (!exists(name)) {
            throw new IllegalArgumentException(
                    "input table '" + name + "' not found at " + path(name) + " (run 'redi " + producedBy + "' first)");
        }
        return spark.read().parquet(path(name));
    }

    /** Folder levels below the root that hold staged writes: tables, checkpoints/<run>.steps, eval/<dir>. */
    private static final int STAGING_DEPTH = 3;

    /** Deletes what interrupted writes left behind (see {@link HadoopFiles#removeStaging}); returns those paths. */
    public java.util.List<String> removeStaging() {
        return files.removeStaging(root, STAGING_DEPTH);
    }

    /** The {@link HadoopFiles#fingerprint} of each run-directory path, in the given order. */
    public java.util.Map<String, String> fingerprints(java.util.List<String> relatives) {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        relatives.forEach(r -> out.put(r, files.fingerprint(path(r))));
        return out;
    }

    public RunManifest manifest() {
        return exists(MANIFEST) ? RunManifest.fromJson(files.readText(path(MANIFEST))) : new RunManifest();
    }

    public void saveManifest(RunManifest manifest) {
        files.writeText(path(MANIFEST), manifest.toJson());
    }
}
