package redispark.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HadoopFilesTest {

    /** The local disk under another scheme, so {@link HadoopFiles} treats it as remote (as it would s3a://). */
    public static final class RemoteLookingFileSystem extends RawLocalFileSystem {
        @Override
        public String getScheme() {
            return "remotetest";
        }

        @Override
        public URI getUri() {
            return URI.create("remotetest:///");
        }

        // plain statuses: the local ones load permissions through java.io.File, which wants a file: URI
        @Override
        public FileStatus getFileStatus(org.apache.hadoop.fs.Path f) throws IOException {
            return plain(super.getFileStatus(f));
        }

        @Override
        public FileStatus[] listStatus(org.apache.hadoop.fs.Path f) throws IOException {
            FileStatus[] all = super.listStatus(f);
            for (int i = 0; i < all.length; i++) {
                all[i] = plain(all[i]);
            }
            return all;
        }

        private static FileStatus plain(FileStatus s) {
            return new FileStatus(
                    s.getLen(), s.isDirectory(), 1, s.getBlockSize(), s.getModificationTime(), s.getPath());
        }
    }

    private static HadoopFiles files() {
        Configuration conf = new Configuration(false);
        conf.set("fs.remotetest.impl", RemoteLookingFileSystem.class.getName());
        conf.set("fs.remotetest.impl.disable.cache", "true");
        return new HadoopFiles(conf);
    }

    @Test
    void aLocalDirectoryIsUsedWhereItIs(@TempDir Path dir) {
        assertThat(files().localDirectory(dir.toString())).isEqualTo(dir);
    }

    @Test
    void aRemoteDirectoryIsCopiedOncePerJvmAndAgainOnlyWhenItChanges(@TempDir Path dir) throws Exception {
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.writeString(model.resolve("config.json"), "{\"layers\": 2}");
        String uri = "remotetest://" + model;
        HadoopFiles files = files();

        Path first = files.localDirectory(uri);
        assertThat(first).isNotEqualTo(model);
        assertThat(Files.readString(first.resolve("config.json"))).isEqualTo("{\"layers\": 2}");
        // a second task of the same executor (and another HadoopFiles of the same JVM) reuses the copy
        assertThat(files.localDirectory(uri)).isEqualTo(first);
        assertThat(files().localDirectory(uri)).isEqualTo(first);

        Files.writeString(model.resolve("config.json"), "{\"layers\": 24}");
        Path second = files.localDirectory(uri);
        assertThat(second).isNotEqualTo(first);
        assertThat(Files.readString(second.resolve("config.json"))).isEqualTo("{\"layers\": 24}");
        assertThat(first).doesNotExist();
    }
}
