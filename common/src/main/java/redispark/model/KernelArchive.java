package redispark.model;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Packs the TorchScript source of {@link LayerKernel} into a module archive that libtorch loads and compiles; run by
 * the build ({@code process-classes}), so the source stays readable text in the repository and no Python torch is
 * needed anywhere.
 *
 * <p>The archive is a zip with one top folder and four entries: {@code code/__torch__.py} (the source),
 * {@code data.pkl} (a pickled instance of {@code __torch__.Kernel} with {@code training = True}),
 * {@code constants.pkl} (an empty tuple) and {@code version} (10: the newest format libtorch 2.7 reads, and the first
 * without operator upgraders, which would change integer division).
 */
public final class KernelArchive {

    private KernelArchive() {}

    /** Pickle protocol 2: {@code __torch__.Kernel()} with its state dict {@code {'training': True}}. */
    private static final byte[] DATA_PKL = pickledKernel();

    /** Pickle protocol 2: an empty tuple (the module has no constants). */
    private static final byte[] CONSTANTS_PKL = {(byte) 0x80, 0x02, ')', '.'};

    private static final String FORMAT_VERSION = "10";

    /** {@code args[0]} the TorchScript source, {@code args[1]} the archive to write (replaced atomically). */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: KernelArchive <source.py> <archive.pt>");
        }
        write(Files.readString(Path.of(args[0]), StandardCharsets.UTF_8), Path.of(args[1]));
    }

    /** Writes the archive for {@code source} to {@code archive} through a temporary file in the same folder. */
    public static void write(String source, Path archive) throws IOException {
        Path dir = archive.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".kernel-", ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp);
                    ZipOutputStream zip = new ZipOutputStream(out)) {
                entry(zip, "kernel/data.pkl", DATA_PKL);
                entry(zip, "kernel/code/__torch__.py", source.getBytes(StandardCharsets.UTF_8));
                entry(zip, "kernel/constants.pkl", CONSTANTS_PKL);
                entry(zip, "kernel/version", FORMAT_VERSION.getBytes(StandardCharsets.US_ASCII));
            }
            Files.move(tmp, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void entry(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setTime(0L); // reproducible archive bytes
        zip.putNextEntry(e);
        zip.write(bytes);
        zip.closeEntry();
    }

    private static byte[] pickledKernel() {
        var out = new java.io.ByteArrayOutputStream();
        out.write(0x80); // PROTO 2
        out.write(0x02);
        out.writeBytes("c__torch__\nKernel\n".getBytes(StandardCharsets.US_ASCII)); // GLOBAL module name
        out.write(')'); // EMPTY_TUPLE
        out.write(0x81); // NEWOBJ
        out.write('}'); // EMPTY_DICT
        out.write('('); // MARK
        byte[] key = "training".getBytes(StandardCharsets.US_ASCII);
        out.write('X'); // BINUNICODE, 4-byte little-endian length (the TorchScript unpickler rejects SETITEM)
        out.write(key.length);
        out.write(0);
        out.write(0);
        out.write(0);
        out.writeBytes(key);
        out.write(0x88); // NEWTRUE
        out.write('u'); // SETITEMS
        out.write('b'); // BUILD
        out.write('.'); // STOP
        return out.toByteArray();
    }
}
