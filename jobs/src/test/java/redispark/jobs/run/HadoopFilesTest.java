package redispark.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HadoopFilesTest {

    /** The local disk under another scheme, so {@link HadoopFiles} treats it as remote (as it would s3a://). */
    public static class RemoteLookingFileSystem extends RawLocalFileSystem {
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

    /** A local file system whose renames of staged paths fail, as a rename on an object store can. */
    public static final class FailingRenameFileSystem extends RemoteLookingFileSystem {
        @Override
        public String getScheme() {
            return "failrename";
        }

        @Override
        public URI getUri() {
            return URI.create("failrename:///");
        }

        @Override
        public boolean rename(org.apache.hadoop.fs.Path src, org.apache.hadoop.fs.Path dst) throws IOException {
            if (src.getName().startsWith(HadoopFiles.STAGING_PREFIX)) {
                throw new IOException("rename refused");
            }
            return super.rename(src, dst);
        }
    }

    @Test
    void aReplacementWhoseRenameFailsKeepsTheOldTableInPlace(@TempDir Path dir) throws Exception {
        Path table = Files.createDirectories(dir.resolve("traces"));
        Files.writeString(table.resolve("part-0"), "old rows");
        Path staging = Files.createDirectories(dir.resolve("._staging-traces-1"));
        Files.writeString(staging.resolve("part-0"), "new rows");
        Configuration conf = new Configuration(false);
        conf.set("fs.failrename.impl", FailingRenameFileSystem.class.getName());
        conf.set("fs.failrename.impl.disable.cache", "true");
        var fs = new org.apache.hadoop.fs.Path("failrename://" + dir).getFileSystem(conf);

        assertThatThrownBy(() -> HadoopFiles.replace(
                        fs,
                        new org.apache.hadoop.fs.Path("failrename://" + staging),
                        new org.apache.hadoop.fs.Path("failrename://" + table)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cannot rename");
        assertThat(Files.readString(table.resolve("part-0"))).isEqualTo("old rows");
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString()))
                    .as("nothing kept aside once the old table is back")
                    .containsExactlyInAnyOrder("traces", "._staging-traces-1");
        }
    }

    @Test
    void aReplacementReplacesAndLeavesNothingBehind(@TempDir Path dir) throws Exception {
        HadoopFiles files = new HadoopFiles(new Configuration(false));
        String uri = dir.resolve("eval/summary.json").toString();
        files.writeText(uri, "first");
        files.writeText(uri, "second");
        assertThat(files.readText(uri)).isEqualTo("second");
        try (var left = Files.list(dir.resolve("eval"))) {
            assertThat(left.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")))
                    .containsExactly("summary.json");
        }
    }

    @Test
    void removeStagingDeletesStagedWritesAndRestoresAnOldVersionLeftAside(@TempDir Path dir) throws Exception {
        // a replacement that died between moving the old checkpoint aside and renaming the new one in
        Path aside = Files.createDirectories(dir.resolve("checkpoints/._previous-sft-77"));
        Files.writeString(aside.resolve("model.safetensors"), "old weights");
        Files.createDirectories(dir.resolve("checkpoints/._staging-sft-78"));
        // one that died after the rename, before deleting the old version
        Files.createDirectories(dir.resolve("checkpoints/redi"));
        Files.createDirectories(dir.resolve("checkpoints/._previous-redi-79"));
        Files.createDirectories(dir.resolve("eval/base/._staging-summary.json-80"));

        List<String> cleaned = new HadoopFiles(new Configuration(false)).removeStaging(dir.toString(), 3);

        assertThat(cleaned).hasSize(4);
        assertThat(Files.readString(dir.resolve("checkpoints/sft/model.safetensors")))
                .isEqualTo("old weights");
        try (var left = Files.list(dir.resolve("checkpoints"))) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("sft", "redi");
        }
        assertThat(dir.resolve("eval/base")).isEmptyDirectory();
    }
}
