package redispark.teacher.source;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import redispark.run.LocalFiles;

/**
 * The benchmark JSONL files that ship inside the product (resources under {@value #RESOURCE_DIR}, with
 * {@code SOURCES.md}: where each file comes from and its licence), unpacked on first use into a folder that the
 * readers take like any other benchmark folder. The folder's name carries a hash of the shipped bytes, so every
 * process of one build (driver, executors, reruns) uses the same files; their modification times are fixed, so a
 * rerun's fingerprint of them does not change either.
 */
public final class ShippedBenchmarks {

    /** Classpath folder of the shipped files; {@code index.txt} there lists them. */
    public static final String RESOURCE_DIR = "/redispark/benchmarks/";

    private static final FileTime FIXED_TIME = FileTime.fromMillis(0);
    private static volatile Path unpacked;

    private ShippedBenchmarks() {}

    /** The folder holding the shipped files (unpacked under {@code java.io.tmpdir} once per build). */
    public static Path directory() {
        Path dir = unpacked;
        if (dir == null) {
            synchronized (ShippedBenchmarks.class) {
                dir = unpacked;
                if (dir == null) {
                    unpacked = dir = unpack(Path.of(System.getProperty("java.io.tmpdir")));
                }
            }
        }
        return dir;
    }

    static Path unpack(Path parent) {
        try {
            List<String> names = names();
            List<byte[]> contents = new ArrayList<>();
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String name : names) {
                byte[] bytes = read(name);
                md.update(name.getBytes(StandardCharsets.UTF_8));
                md.update(bytes);
                contents.add(bytes);
            }
            Path dir = parent.resolve("redi-benchmarks-" + HexFormat.of().formatHex(md.digest(), 0, 8));
            if (Files.isDirectory(dir)) {
                return dir;
            }
            Files.createDirectories(parent);
            Path tmp = Files.createTempDirectory(parent, ".redi-benchmarks-");
            for (int i = 0; i < names.size(); i++) {
                Path f = tmp.resolve(names.get(i));
                Files.write(f, contents.get(i));
                Files.setLastModifiedTime(f, FIXED_TIME);
            }
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException raced) {
                LocalFiles.deleteTree(tmp); // another process unpacked the same bytes first
            } catch (IOException e) {
                if (!Files.isDirectory(dir)) {
                    throw e;
                }
                LocalFiles.deleteTree(tmp);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the shipped benchmark files into " + parent, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable in this JVM", e);
        }
    }

    /** The shipped file names, from {@code index.txt}. */
    static List<String> names() throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : new String(read("index.txt"), StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                out.add(line.strip());
            }
        }
        return out;
    }

    private static byte[] read(String name) throws IOException {
        try (InputStream in = ShippedBenchmarks.class.getResourceAsStream(RESOURCE_DIR + name)) {
            if (in == null) {
                throw new IOException(RESOURCE_DIR + name + " is missing from the classpath");
            }
            return in.readAllBytes();
        }
    }
}
