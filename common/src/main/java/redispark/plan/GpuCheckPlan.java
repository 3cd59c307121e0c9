package redispark.plan;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import redispark.model.KernelPath;
import redispark.model.LayerKernel;
import redispark.model.ModelConfig;

/**
 * The planner's predictions for the cases of {@code tools/gpu-check} (one GPU, bf16, recompute layer, fused
 * attention, chunk 2048), written to its {@code plan.json}: the GPU node has no JVM to run {@code redi plan}, so the
 * check reads them from that file, and a test keeps the file equal to what this class computes.
 */
public final class GpuCheckPlan {

    private GpuCheckPlan() {}

    /** Sequence lengths of the device check's cases. */
    public static final List<Integer> SEQS = List.of(4096, 8192, 19000);

    /** The settings of every case; only {@code --seq} varies. */
    public static PlanRequest request(ModelConfig model, int seq) {
        return new PlanRequest(
                model,
                seq,
                seq,
                1,
                1,
                LayerKernel.ComputeType.BF16,
                KernelPath.Recompute.LAYER,
                Attention.SDPA,
                2048,
                400,
                12.5,
                141,
                0);
    }

    /** The file's text: the command that reproduces each entry, then one entry per case. */
    public static String json(ModelConfig model, String modelPath) {
        String cases = SEQS.stream()
                .map(seq -> {
                    TrainPlan p = TrainPlan.of(request(model, seq));
                    return String.format(
                            Locale.ROOT,
                            "    {\"case\": \"1.5b-bf16-T%d\", \"T\": %d, \"plan_peak_gib\": %.3f, "
                                    + "\"plan_step_s\": %.4f, \"plan_flops\": %.4e}",
                            seq,
                            seq,
                            p.peakGib(),
                            p.stepSeconds(),
                            p.flops());
                })
                .collect(Collectors.joining(",\n"));
        return "{\n  \"command\": \"redi plan --model " + modelPath + " --seq T --dtype bf16 --recompute layer "
                + "--attention sdpa --logprob-chunk 2048 --gpus 1 --tflops 400 --gpu-mem-gib 141\",\n  \"cases\": [\n"
                + cases + "\n  ]\n}\n";
    }
}
