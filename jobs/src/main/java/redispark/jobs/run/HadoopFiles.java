package redispark.jobs.run;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * File operations on local paths and {@code s3a://} alike, usable on executors: the Hadoop configuration travels as
 * a plain map because {@link Configuration} is not serialisable.
 */
public final class HadoopFiles implements Serializable {
    private final Map<String, String> settings;
    private transient Configuration conf;

    public HadoopFiles(Configuration conf) {
        this.settings = new HashMap<>();
        conf.forEach(e -> settings.put(e.getKey(), e.getValue()));
        this.conf = conf;
    }

    public Configuration conf() {
        if (conf == null) {
            conf = new Configuration(false);
            settings.forEach(conf::set);
        }
        return conf;
    }

    public FileSystem fs(String uri) {
        try {
            return new Path(uri).getFileSystem(conf());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open file system of " + uri, e);
        }
    }

    public boolean exists(String uri) {
        try {
            return fs(uri).exists(new Path(uri));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Remote directories copied to this JVM's disk: qualified URI → the copy and the fingerprint it was taken at. */
    private static final Map<String, LocalCopy> LOCAL_COPIES = new HashMap<>();

    private record LocalCopy(String fingerprint, java.nio.file.Path root, java.nio.file.Path dir) {}

    /**
     * A local directory holding the files of {@code uri}: the directory itself when it is on the local file system,
     * otherwise a copy on local disk made once per JVM (an executor's tasks share it) and made again only when the
     * remote files change (their {@link #fingerprint}); a replaced copy is deleted, the last one when the JVM exits.
     * Callers only read the copy.
     */
    public java.nio.file.Path localDirectory(String uri) {
        FileSystem fs = fs(uri);
        Path path = fs.makeQualified(new Path(uri));
        if ("file".equals(fs.getScheme())) {
            return java.nio.file.Path.of(path.toUri());
        }
        String fingerprint = fingerprint(uri);
        synchronized (LOCAL_COPIES) {
            LocalCopy copy = LOCAL_COPIES.get(path.toString());
            if (copy != null && copy.fingerprint().equals(fingerprint) && Files.isDirectory(copy.dir())) {
                return copy.dir();
            }
            try {
                java.nio.file.Path root = Files.createTempDirectory("redi-copy");
                fs.copyToLocalFile(false, path, new Path(root.toUri()), true);
                if (copy == null) {
                    deleteOnExit(path.toString());
                } else {
                    deleteTree(copy.root());
                }
                LocalCopy fresh = new LocalCopy(fingerprint, root, root.resolve(path.getName()));
                LOCAL_COPIES.put(path.toString(), fresh);
                return fresh.dir();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot copy " + uri + " to a local directory", e);
            }
        }
    }

    private static void deleteOnExit(String key) {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            LocalCopy last;
                            synchronized (LOCAL_COPIES) {
                                last = LOCAL_COPIES.get(key);
                            }
                            if (last != null) {
                                deleteTree(last.root());
                            }
                        },
                        "redi-delete-local-copy"));
    }

    private static void deleteTree(java.nio.file.Path root) {
        try {
            redispark.run.LocalFiles.deleteTree(root);
        } catch (java.io.UncheckedIOException e) {
            // a copy left in the temp folder costs disk, not correctness
        }
    }

    /** Prefix of the temporary siblings that writes land in before their rename into place. */
    public static final String STAGING_PREFIX = "._staging-";

    /** Prefix of the previous version of a replaced path, kept until the new one is in place. */
    public static final String PREVIOUS_PREFIX = "._previous-";

    /** A fresh temporary sibling of {@code target} for a write that is renamed into place when complete. */
    public static Path stagingFor(Path target) {
        return new Path(target.getParent(), STAGING_PREFIX + target.getName() + "-" + System.nanoTime());
    }

    /** Copies a local directory to {@code uri} through a temporary sibling and a rename: readers never see half. */
    public void publishDirectory(java.nio.file.Path local, String uri) {
        replace(stageDirectory(local, uri), uri);
    }

    /**
     * Copies a local directory next to {@code uri} under a staging name and returns that name, for a caller that
     * moves it into place later ({@link #replace(String, String)}) once what must precede it is written.
     */
    public String stageDirectory(java.nio.file.Path local, String uri) {
        FileSystem fs = fs(uri);
        Path staging = stagingFor(new Path(uri));
        try {
            fs.copyFromLocalFile(false, true, new Path(local.toUri()), staging);
            return staging.toString();
        } catch (IOException e) {
            deleteQuietly(fs, staging);
            throw new UncheckedIOException("cannot publish " + local + " to " + uri, e);
        }
    }

    /** Moves a staged path over {@code uri} ({@link #replace(FileSystem, Path, Path)}); the staging is gone after. */
    public void replace(String stagingUri, String uri) {
        FileSystem fs = fs(uri);
        Path staging = new Path(stagingUri);
        try {
            replace(fs, staging, new Path(uri));
        } catch (IOException e) {
            deleteQuietly(fs, staging);
            throw new UncheckedIOException("cannot move " + stagingUri + " to " + uri, e);
        }
    }

    /** Writes a small text file atomically (temporary file, then rename). */
    public void writeText(String uri, String text) {
        Path target = new Path(uri);
        FileSystem fs = fs(uri);
        Path staging = stagingFor(target);
        try {
            try (var out = fs.create(staging, true)) {
                out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            replace(fs, staging, target);
        } catch (IOException e) {
            deleteQuietly(fs, staging);
            throw new UncheckedIOException("cannot write " + uri, e);
        }
    }

    public String readText(String uri) {
        try (var in = fs(uri).open(new Path(uri))) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + uri, e);
        }
    }

    /**
     * Moves {@code staging} over {@code target}. What was there is first renamed aside and deleted only once the new
     * one is in place; when the move fails it is renamed back, and when even that fails {@link #removeStaging}
     * restores it on the next start. A reader never finds the target missing for longer than between two renames.
     */
    public static void replace(FileSystem fs, Path staging, Path target) throws IOException {
        fs.mkdirs(target.getParent());
        Path aside = null;
        if (fs.exists(target)) {
            aside = new Path(target.getParent(), PREVIOUS_PREFIX + target.getName() + "-" + System.nanoTime());
            if (!fs.rename(target, aside)) {
                throw new IOException("cannot move the old " + target + " aside");
            }
        }
        IOException failure = null;
        boolean moved = false;
        try {
            moved = fs.rename(staging, target);
        } catch (IOException e) {
            failure = e;
        }
        if (!moved) {
            IOException e = new IOException("cannot rename " + staging + " to " + target, failure);
            if (aside != null && !fs.exists(target) && !fs.rename(aside, target)) {
                e.addSuppressed(new IOException("the old " + target + " is kept at " + aside));
            }
            throw e;
        }
        if (aside != null) {
            deleteQuietly(fs, aside); // a leftover is deleted by removeStaging on the next start
        }
    }

    /**
     * Cleans what interrupted writes left under {@code uri}, down to {@code depth} folder levels: deletes staging
     * folders and files, and for each kept-aside previous version restores it when its target is missing
     * (a replacement that died between its two renames) or deletes it otherwise.
     *
     * @return the paths it deleted or restored, for the log
     */
    public java.util.List<String> removeStaging(String uri, int depth) {
        FileSystem fs = fs(uri);
        java.util.List<String> cleaned = new java.util.ArrayList<>();
        try {
            removeStaging(fs, new Path(uri), depth, cleaned);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean the staging folders of " + uri, e);
        }
        return cleaned;
    }

    private static void removeStaging(FileSystem fs, Path dir, int depth, java.util.List<String> cleaned)
            throws IOException {
        if (depth < 0 || !fs.exists(dir) || !fs.getFileStatus(dir).isDirectory()) {
            return;
        }
        for (var status : fs.listStatus(dir)) {
            Path path = status.getPath();
            String name = path.getName();
            if (name.startsWith(STAGING_PREFIX)) {
                fs.delete(path, true);
                cleaned.add(path.toString());
            } else if (name.startsWith(PREVIOUS_PREFIX) && name.lastIndexOf('-') > PREVIOUS_PREFIX.length()) {
                Path target = new Path(dir, name.substring(PREVIOUS_PREFIX.length(), name.lastIndexOf('-')));
                if (fs.exists(target)) {
                    fs.delete(path, true);
                } else if (!fs.rename(path, target)) {
                    throw new IOException("cannot restore " + target + " from " + path);
                }
                cleaned.add(path.toString());
            } else if (status.isDirectory() && !name.startsWith(".") && !name.startsWith("_")) {
                removeStaging(fs, path, depth - 1, cleaned);
            }
        }
    }

    private static void deleteQuietly(FileSystem fs, Path path) {
        try {
            fs.delete(path, true);
        } catch (IOException e) {
            // what is left carries the staging prefix: the next start deletes it
        }
    }

    /**
     * A short hash of the files under {@code uri} (relative names, sizes and modification times): a rewritten table
     * or checkpoint, or an edited external file, gets a new fingerprint even when its names and sizes are the same
     * (a retrained model). {@code "absent"} when nothing is there.
     */
    public String fingerprint(String uri) {
        Path root = new Path(uri);
        FileSystem fs = fs(uri);
        try {
            if (!fs.exists(root)) {
                return "absent";
            }
            java.util.TreeMap<String, String> entries = new java.util.TreeMap<>();
            var files = fs.listFiles(root, true);
            String prefix = fs.makeQualified(root).toString();
            while (files.hasNext()) {
                var f = files.next();
                entries.put(
                        f.getPath()
                                .toString()
                                .substring(Math.min(
                                        prefix.length(), f.getPath().toString().length())),
                        f.getLen() + "\t" + f.getModificationTime());
            }
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            entries.forEach((name, sizeAndTime) -> digest.update(
                    (name + "\t" + sizeAndTime + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            return java.util.HexFormat.of().formatHex(digest.digest(), 0, 8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + uri, e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The names of the entries directly under {@code uri}, sorted; empty when it does not exist. */
    public java.util.List<String> list(String uri) {
        try {
            FileSystem fs = fs(uri);
            Path dir = new Path(uri);
            if (!fs.exists(dir)) {
                return java.util.List.of();
            }
            return java.util.Arrays.stream(fs.listStatus(dir))
                    .map(st -> st.getPath().getName())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + uri, e);
        }
    }

    public void delete(String uri) {
        try {
            fs(uri).delete(new Path(uri), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + uri, e);
        }
    }
}
