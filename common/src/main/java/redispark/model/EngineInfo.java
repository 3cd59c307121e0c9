package redispark.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.cuda.CudaUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which PyTorch native library this process loaded and what it can reach: logged by every training executor at
 * start-up and printed by {@code redi doctor}. DJL picks the library at first use: {@code PYTORCH_LIBRARY_PATH} when
 * set, else the {@code pytorch-native-cpu} jar on the classpath — even on a GPU host, where the first CUDA tensor
 * then fails without saying why. {@link #requireGpu} turns that into one line naming the fix.
 *
 * @param torchVersion libtorch's version, e.g. {@code 2.7.1}
 * @param flavor {@code cpu}, or the CUDA build ({@code cu128}, or {@code cuda} when the build is not named)
 * @param libraryPath the folder the native library was loaded from
 * @param engineGpus devices the loaded engine can use (0 for the CPU flavor, whatever the host has)
 * @param cudaRuntime the CUDA runtime's version on this host ({@code 12.8}), or {@code none}
 * @param hostGpus devices the CUDA runtime sees (after {@code CUDA_VISIBLE_DEVICES}), 0 without CUDA
 */
public record EngineInfo(
        String torchVersion, String flavor, String libraryPath, int engineGpus, String cudaRuntime, int hostGpus) {

    private static final Pattern FLAVOR_IN_FOLDER = Pattern.compile(".*-(cpu|cu\\d+)(-precxx11)?-[a-z]+-[a-z0-9_]+$");

    /** Loads the engine if it is not loaded yet and reports what it found. */
    public static EngineInfo probe() {
        Engine engine = Engine.getEngine("PyTorch");
        String dir = LibUtils.getLibtorchPath();
        String cuda = "none";
        int hostGpus = CudaUtils.getGpuCount();
        if (hostGpus > 0) {
            try {
                int v = CudaUtils.getCudaVersion();
                cuda = (v / 1000) + "." + (v / 10) % 10;
            } catch (RuntimeException e) {
                cuda = "unknown";
            }
        }
        return new EngineInfo(
                LibUtils.getVersion(),
                flavorOf(Path.of(dir), System.getenv("PYTORCH_FLAVOR")),
                dir,
                engine.getGpuCount(),
                cuda,
                hostGpus);
    }

    /**
     * The flavor of the library in {@code dir}: from the folder name DJL gives its cache ({@code
     * 2.7.1-…-cu128-linux-x86_64}), else {@code PYTORCH_FLAVOR}, else whether the folder holds libtorch's CUDA part.
     */
    static String flavorOf(Path dir, String flavorVariable) {
        Matcher m = FLAVOR_IN_FOLDER.matcher(
                dir.getFileName() == null ? "" : dir.getFileName().toString());
        if (m.matches()) {
            return m.group(1);
        }
        if (flavorVariable != null && !flavorVariable.isBlank()) {
            return flavorVariable.trim().replace("-precxx11", "");
        }
        return Files.exists(dir.resolve("libtorch_cuda.so")) ? "cuda" : "cpu";
    }

    /** {@code engine=pytorch torch=2.7.1 flavor=cpu engine_gpus=0 cuda_runtime=none host_gpus=0 library=…}. */
    public String line() {
        return String.format(
                Locale.ROOT,
                "engine=pytorch torch=%s flavor=%s engine_gpus=%d cuda_runtime=%s host_gpus=%d " + "library=%s",
                torchVersion,
                flavor,
                engineGpus,
                cudaRuntime,
                hostGpus,
                libraryPath);
    }

    /**
     * Fails, in one line that names the fix, unless the loaded engine can use GPU {@code visibleIndex}.
     *
     * @param why what asked for the GPU (e.g. "Spark gave this task GPU 3")
     */
    public void requireGpu(int visibleIndex, String why) {
        if (engineGpus == 0) {
            throw new IllegalStateException(why + ", but the PyTorch engine loaded is the " + flavor + " build from "
                    + libraryPath + " (" + hostGpus
                    + " GPU(s) visible to CUDA on this host): point PYTORCH_LIBRARY_PATH at "
                    + "a CUDA libtorch and set PYTORCH_FLAVOR (e.g. cu128), and keep pytorch-native-cpu off the classpath; see "
                    + "deploy/README.md");
        }
        if (visibleIndex >= engineGpus) {
            throw new IllegalStateException(why + ", which is visible device " + visibleIndex + ", but the engine sees "
                    + engineGpus + " device(s) (CUDA_VISIBLE_DEVICES=" + System.getenv("CUDA_VISIBLE_DEVICES") + ")");
        }
    }

    /**
     * The CUDA device index of a GPU address Spark handed a task. Addresses are the host's GPU indices (as the
     * discovery script reports them); CUDA numbers the devices of {@code CUDA_VISIBLE_DEVICES} from 0 in its order,
     * so address {@code a} is device {@code i} where the i-th visible entry is {@code a}. Without the variable (or
     * with {@code all}) the address is the index.
     */
    public static int visibleIndex(String address, String cudaVisibleDevices) {
        String a = address.trim();
        if (cudaVisibleDevices == null
                || cudaVisibleDevices.isBlank()
                || cudaVisibleDevices.trim().equals("all")) {
            return parseIndex(a);
        }
        String[] visible = cudaVisibleDevices.split(",");
        for (int i = 0; i < visible.length; i++) {
            if (visible[i].trim().equals(a)) {
                return i;
            }
        }
        throw new IllegalStateException("GPU address " + a + " is not in CUDA_VISIBLE_DEVICES=" + cudaVisibleDevices
                + " (the discovery script must report the same ids the container's CUDA_VISIBLE_DEVICES lists)");
    }

    private static int parseIndex(String a) {
        try {
            int i = Integer.parseInt(a);
            if (i >= 0) {
                return i;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalStateException("GPU address '" + a + "' is not a device index (set CUDA_VISIBLE_DEVICES, or "
                + "have the discovery script report indices)");
    }
}
