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

    /** Copies a local directory to {@code uri} through a temporary sibling and a rename: readers never see half. */
    public void publishDirectory(java.nio.file.Path local, String uri) {
        Path target = new Path(uri);
        FileSystem fs = fs(uri);
        Path staging = new Path(target.getParent(), "._staging-" + target.getName() + "-" + System.nanoTime());
        try {
            fs.copyFromLocalFile(false, true, new Path(local.toUri()), staging);
            replace(fs, staging, target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot publish " + local + " to " + uri, e);
        }
    }

    /** Writes a small text file atomically (temporary file, then rename). */
    public void writeText(String uri, String text) {
        Path target = new Path(uri);
        FileSystem fs = fs(uri);
        Path staging = new Path(target.getParent(), "._staging-" + target.getName() + "-" + System.nanoTime());
        try {
            try (var out = fs.create(staging, true)) {
                out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            replace(fs, staging, target);
        } catch (IOException e) {
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

    /** Moves {@code staging} over {@code target}, deleting what was there. */
    public static void replace(FileSystem fs, Path staging, Path target) throws IOException {
        fs.mkdirs(target.getParent());
        if (fs.exists(target) && !fs.delete(target, true)) {
            throw new IOException("cannot delete old " + target);
        }
        if (!fs.rename(staging, target)) {
            throw new IOException("cannot rename " + staging + " to " + target);
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
