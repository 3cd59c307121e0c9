package redispark.jobs.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import redispark.model.EngineInfo;
import redispark.model.LayerKernel;

/**
 * {@code redi doctor}: what this machine gives a training replica — Java, Spark, the PyTorch engine DJL loaded (its
 * build, the CUDA runtime and the GPUs each can see), the environment variables that choose the engine, whether the
 * compiled layer kernel loads — and where {@code train.device} would put a replica. Executors log the same engine
 * line at start-up.
 */
@Command(
        name = "doctor",
        mixinStandardHelpOptions = true,
        description = "Print the Java, Spark and PyTorch engine this machine runs (build, CUDA, visible GPUs), whether "
                + "the layer kernel loads, and where training would run.")
final class DoctorCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        Map<String, String> lines = new LinkedHashMap<>();
        Runtime rt = Runtime.getRuntime();
        lines.put(
                "java",
                System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + "), "
                        + rt.availableProcessors() + " cores, max heap " + rt.maxMemory() / (1 << 20) + " MiB");
        lines.put(
                "spark",
                org.apache.spark.package$.MODULE$.SPARK_VERSION() + " (Scala "
                        + scala.util.Properties.versionNumberString() + ")");
        lines.put("djl", ai.djl.engine.Engine.getDjlVersion());
        for (String variable :
                new String[] {"PYTORCH_LIBRARY_PATH", "PYTORCH_FLAVOR", "PYTORCH_VERSION", "CUDA_VISIBLE_DEVICES"}) {
            String value = System.getenv(variable);
            lines.put(variable, value == null ? "(unset)" : value);
        }
        EngineInfo engine = EngineInfo.probe();
        lines.put("engine", engine.line());
        String kernel;
        try {
            kernel = "loads (" + LayerKernel.get() + ")";
        } catch (RuntimeException e) {
            kernel = "FAILS: " + RediCli.firstLine(String.valueOf(e.getMessage()));
        }
        lines.put("kernel", kernel);
        String placement;
        if (engine.engineGpus() > 0) {
            placement = "train.device = auto | gpu trains on " + engine.engineGpus() + " GPU(s) (" + engine.flavor()
                    + ", CUDA " + engine.cudaRuntime() + ")";
        } else if (engine.hostGpus() > 0) {
            placement = "CPU only: this host has " + engine.hostGpus() + " GPU(s) but the engine is the "
                    + engine.flavor() + " build; set PYTORCH_LIBRARY_PATH and PYTORCH_FLAVOR (deploy/README.md)";
        } else {
            placement = "CPU only (no CUDA device visible); train.device = gpu would stop at start-up";
        }
        lines.put("training", placement);
        lines.forEach((k, v) -> System.out.println(k + ": " + v));
        return 0;
    }
}
