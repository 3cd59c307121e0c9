package redispark.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineInfoTest {

    @Test
    void theFlavorComesFromDjlsCacheFolderThenTheVariableThenTheLibrariesPresent(@TempDir Path dir) throws Exception {
        assertThat(EngineInfo.flavorOf(Path.of("/c/pytorch/2.7.1-20250812-cpu-linux-x86_64"), null))
                .isEqualTo("cpu");
        assertThat(EngineInfo.flavorOf(Path.of("/c/pytorch/2.7.1-cu128-linux-x86_64"), "cpu"))
                .isEqualTo("cu128");
        assertThat(EngineInfo.flavorOf(Path.of("/c/pytorch/2.7.1-cu124-precxx11-linux-x86_64"), null))
                .isEqualTo("cu124");
        Path lib = Files.createDirectories(dir.resolve("site-packages/torch/lib"));
        assertThat(EngineInfo.flavorOf(lib, "cu128")).isEqualTo("cu128");
        assertThat(EngineInfo.flavorOf(lib, null)).isEqualTo("cpu");
        Files.createFile(lib.resolve("libtorch_cuda.so"));
        assertThat(EngineInfo.flavorOf(lib, "")).isEqualTo("cuda");
    }

    @Test
    void aTasksGpuAddressIsItsPositionAmongTheVisibleDevices() {
        assertThat(EngineInfo.visibleIndex("3", null)).isEqualTo(3);
        assertThat(EngineInfo.visibleIndex(" 3 ", "all")).isEqualTo(3);
        assertThat(EngineInfo.visibleIndex("6", "4,5,6,7")).isEqualTo(2);
        assertThat(EngineInfo.visibleIndex("4", "4, 5")).isEqualTo(0);
        assertThatThrownBy(() -> EngineInfo.visibleIndex("1", "4,5"))
                .hasMessageContaining("not in CUDA_VISIBLE_DEVICES");
        assertThatThrownBy(() -> EngineInfo.visibleIndex("GPU-1a2b", null)).hasMessageContaining("not a device index");
    }

    @Test
    void askingForAGpuFromTheCpuEngineNamesTheFixInOneLine() {
        EngineInfo cpu = new EngineInfo("2.7.1", "cpu", "/c/pytorch/2.7.1-cpu-linux-x86_64", 0, "12.8", 8);
        assertThatThrownBy(() -> cpu.requireGpu(0, "Spark gave this task GPU 5"))
                .hasMessageStartingWith("Spark gave this task GPU 5, but the PyTorch engine loaded is the cpu build")
                .hasMessageContaining("8 GPU(s) visible to CUDA")
                .hasMessageContaining("PYTORCH_LIBRARY_PATH")
                .hasMessageContaining("PYTORCH_FLAVOR")
                .hasMessageContaining("deploy/README.md")
                .hasMessageNotContaining("\n");
        EngineInfo gpu = new EngineInfo("2.7.1", "cu128", "/x", 2, "12.8", 2);
        gpu.requireGpu(1, "test");
        assertThatThrownBy(() -> gpu.requireGpu(2, "test")).hasMessageContaining("visible device 2");
    }

    @Test
    void thisMachineReportsTheEngineItLoaded() {
        EngineInfo here = EngineInfo.probe();
        assertThat(here.torchVersion()).isEqualTo("2.7.1");
        assertThat(here.line()).startsWith("engine=pytorch torch=2.7.1 flavor=").contains("library=");
        if (here.engineGpus() == 0) {
            assertThat(here.flavor()).isEqualTo("cpu");
        }
    }
}
