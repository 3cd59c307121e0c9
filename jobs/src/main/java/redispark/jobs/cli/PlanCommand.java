package redispark.jobs.cli;

import java.io.File;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import redispark.model.KernelPath;
import redispark.model.LayerKernel;
import redispark.model.ModelConfig;
import redispark.plan.Attention;
import redispark.plan.PlanRequest;
import redispark.plan.TrainPlan;

/** {@code redi plan}: peak memory, step time and gradient traffic of one GPU, before renting any. */
@Command(
        name = "plan",
        description = "Size a training run on the kernel path from a model's config.json: peak memory "
                + "of one GPU (fp32 masters, gradients, AdamW, activations, attention, LM-head chunk), step time and bytes "
                + "exchanged per step; ends with: plan params=N peak_gib=G step_s=S exchange_gb=X fits=true|false")
final class PlanCommand implements Callable<Integer> {

    /** Sustained bf16 matmul rate assumed for an H100/H200-class GPU (about 40 % of its dense peak). */
    static final double BF16_TFLOPS = 400;

    /** Sustained IEEE fp32 rate of the same GPU: libtorch does not use TF32 unless told to. */
    static final double FP32_TFLOPS = 50;

    @Option(
            names = "--model",
            required = true,
            paramLabel = "CONFIG_JSON",
            description = "A Hugging Face Qwen2 config.json, e.g. conf/models/qwen2.5-math-1.5b.json.")
    File model;

    @Option(names = "--seq", required = true, paramLabel = "T", description = "Tokens per sequence.")
    int seq;

    @Option(
            names = "--micro-batch-tokens",
            paramLabel = "N",
            description = "Rows × longest row of one forward (train.max-tokens-per-micro-batch; default: --seq).")
    Integer microBatchTokens;

    @Option(
            names = "--batch",
            defaultValue = "1",
            paramLabel = "N",
            description = "Sequences per GPU per optimizer step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--gpus", defaultValue = "1", description = "Data-parallel GPUs (default: ${DEFAULT-VALUE}).")
    int gpus;

    /** The paper recipe's chunk (conf/paper.conf), the size a GPU run uses. */
    @Mixin
    KernelOptions kernel = new KernelOptions(2048);

    @Option(
            names = "--attention",
            defaultValue = "sdpa",
            description = "sdpa (fused, O(T) memory) | eager (T × T scores) (default: ${DEFAULT-VALUE}).")
    String attention;

    @Option(
            names = "--tflops",
            paramLabel = "X",
            description =
                    "Sustained TFLOP/s of one GPU (default: " + "400 for bf16, 50 for fp32: an H100/H200-class GPU).")
    Double tflops;

    @Option(
            names = "--link-gbps",
            defaultValue = "12.5",
            paramLabel = "GB_PER_S",
            description = "Bus bandwidth of the gradient exchange in GB/s, as 'redi bench allreduce' prints it "
                    + "(default: ${DEFAULT-VALUE}, 100 Gb/s Ethernet).")
    double linkGbps;

    @Option(
            names = "--gpu-mem-gib",
            defaultValue = "80",
            paramLabel = "GIB",
            description = "Memory of one GPU; fits=true when the peak is at most this (default: ${DEFAULT-VALUE}, "
                    + "an H100; 141 for an H200).")
    double gpuMemGib;

    @Option(
            names = "--host-baseline-mib",
            defaultValue = "0",
            paramLabel = "MIB",
            description = "Resident memory of the process before any tensor, added to the peak: 0 for GPU memory; "
                    + "for a CPU run, the JVM and libtorch (default: ${DEFAULT-VALUE}).")
    double hostBaselineMib;

    @Option(names = "--verbose", description = "Print the breakdown table before the line.")
    boolean verbose;

    @Override
    public Integer call() {
        RediCli.requireFile(model);
        ModelConfig config = ModelConfig.read(model.toPath());
        LayerKernel.ComputeType type = kernel.computeType();
        KernelPath.Recompute recomputeMode = kernel.recomputation();
        Attention attentionKind = UsageError.option("--attention", attention, Attention::parse);
        PlanRequest request = UsageError.check(() -> new PlanRequest(
                config,
                seq,
                microBatchTokens == null ? seq : microBatchTokens,
                batch,
                gpus,
                type,
                recomputeMode,
                attentionKind,
                kernel.logprobChunk,
                tflops != null ? tflops : type == LayerKernel.ComputeType.BF16 ? BF16_TFLOPS : FP32_TFLOPS,
                linkGbps,
                gpuMemGib,
                hostBaselineMib));
        if (seq > config.maxPositions()) {
            System.err.println("redi plan: note: --seq " + seq + " is beyond max_position_embeddings "
                    + config.maxPositions() + " of " + model
                    + "; training needs student.max-position-embeddings to cover it (conf/paper.conf sets 32768)");
        }
        TrainPlan plan = TrainPlan.of(request);
        if (verbose) {
            System.out.print(plan.table());
        }
        System.out.println(plan.line());
        return 0;
    }
}
