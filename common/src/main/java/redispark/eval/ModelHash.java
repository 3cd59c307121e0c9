package redispark.eval;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** SHA-256 over a model folder's weights and config (in file-name order): what an evaluation says it evaluated. */
public final class ModelHash {
    private ModelHash() {}

    public static String of(Path modelDir) {
        try (var listing = Files.list(modelDir)) {
            List<Path> files = listing.filter(p -> {
                        String n = p.getFileName().toString();
                        return n.endsWith(".safetensors") || n.equals("config.json") || n.equals("tokenizer.json");
                    })
                    .sorted()
                    .toList();
            if (files.isEmpty()) {
                throw new IllegalArgumentException("no model files in " + modelDir);
            }
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (Path f : files) {
                digest.update(f.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                try (InputStream in = new DigestInputStream(Files.newInputStream(f), digest)) {
                    while (in.read(buffer) >= 0) {
                        // the digest stream hashes what is read
                    }
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hash model folder " + modelDir, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
