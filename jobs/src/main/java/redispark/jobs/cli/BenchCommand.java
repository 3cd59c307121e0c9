package redispark.jobs.cli;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.commons.io.FileUtils;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import redispark.dist.AllReduceBench;
import redispark.dist.GradientExchangeBench;
import redispark.dist.Rendezvous;
import redispark.dist.WireFormat;
import redispark.jobs.config.RediConfig;
import redispark.jobs.curate.SplitBench;
import redispark.jobs.spark.SparkSessions;
import redispark.model.GenerateBench;
import redispark.model.HostStaging;
import redispark.model.Sampler;
import redispark.train.StepCompute;
import redispark.train.TrainStepBench;
import redispark.verify.VerifierBench;

/** {@code redi bench …}: benchmarks that end with one machine-readable line. */
@Command(
        name = "bench",
        description = "Benchmarks; each ends with one parseable line.",
        subcommands = {
            BenchCommand.Verifier.class,
            BenchCommand.TrainStep.class,
            BenchCommand.AllReduce.class,
            BenchCommand.Exchange.class,
            BenchCommand.Split.class,
            BenchCommand.Generate.class
        })
final class BenchCommand {

    /** The model shape and the thread count of the benchmarks that run the model. */
    static final class ModelShape {
        @Option(
                names = "--config",
                required = true,
                paramLabel = "CONFIG_JSON",
                description = "A Hugging Face Qwen2 config.json.")
        File config;

        @Option(
                names = "--threads",
                defaultValue = "2",
                description = "libtorch intra-op threads (default: ${DEFAULT-VALUE}).")
        int threads;

        @Option(
                names = "--path",
                defaultValue = "kernel",
                description = "kernel (one layer-kernel call per layer) | eager (default: ${DEFAULT-VALUE})")
        String path;

        /** The config file, checked, after checking the thread count. */
        java.nio.file.Path config() {
            UsageError.require(threads >= 1, "--threads must be >= 1");
            RediCli.requireFile(config);
            return config.toPath();
        }
    }

    @Command(
            name = "verifier",
            description = "Single-thread verifier throughput and latency over a JSONL of {gold, pred}; ends with: "
                    + "verifier n=N per_s=X cpu_per_s=X p50_ms=X p99_ms=X max_ms=X")
    static final class Verifier implements Callable<Integer> {
        @Option(names = "--input", required = true, paramLabel = "FILE")
        File input;

        @Override
        public Integer call() throws Exception {
            RediCli.requireFile(input);
            System.out.println(VerifierBench.run(input.toPath()));
            return 0;
        }
    }

    @Command(
            name = "train-step",
            description = "The training step (forward, SFT loss, backward, clip, AdamW) on "
                    + "random tokens: tokens/s and peak resident memory; ends with: train-step params=P tokens_per_s=X ... "
                    + "peak_rss_mib=M")
    static final class TrainStep implements Callable<Integer> {
        @Mixin
        ModelShape model = new ModelShape();

        @Option(names = "--batch", defaultValue = "8", description = "Sequences per step (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--seq", defaultValue = "256", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
        int seq;

        @Option(
                names = "--steps",
                defaultValue = "20",
                description = "Steps timed after one warm-up step (default: ${DEFAULT-VALUE}).")
        int steps;

        @Mixin
        KernelOptions kernel = new KernelOptions(StepCompute.defaults().logprobChunk());

        @Override
        public Integer call() throws Exception {
            UsageError.require(
                    batch >= 1 && seq >= 1 && steps >= 1 && kernel.logprobChunk >= 1,
                    "--batch, --seq, --steps and --logprob-chunk must be >= 1");
            java.nio.file.Path config = model.config();
            StepCompute compute = StepCompute.defaults()
                    .withPath(UsageError.option("--path", model.path, StepCompute.TrainPath::parse))
                    .withRecompute(kernel.recomputation())
                    .withDtype(kernel.computeType())
                    .withLogprobChunk(kernel.logprobChunk)
                    .withMaxTokensPerMicroBatch(Math.max(1, batch * seq));
            System.out.println(TrainStepBench.run(config, batch, seq, steps, model.threads, compute));
            return 0;
        }
    }

    @Command(
            name = "allreduce",
            description = "Ring all-reduce bus bandwidth vs raw loopback and memcpy, with and without sealed frames, "
                    + "ranks as threads on loopback.")
    static final class AllReduce implements Callable<Integer> {
        @Option(names = "--ranks", defaultValue = "2")
        int ranks;

        @Option(names = "--mib", defaultValue = "64", description = "Floats per rank, in MiB (1..1024).")
        int mib;

        @Option(
                names = "--links",
                defaultValue = "1",
                description = "Connections per ring edge, as train.dist.links (default: ${DEFAULT-VALUE}).")
        int links;

        @Option(
                names = "--wire",
                defaultValue = "fp32",
                description = "Wire format, as train.dist.wire-format: fp32 or bf16 (default: ${DEFAULT-VALUE}).")
        String wire;

        @Option(
                names = "--segment-kib",
                defaultValue = "1024",
                description = "Pipelining segment (default: ${DEFAULT-VALUE} KiB).")
        int segmentKib;

        @Override
        public Integer call() {
            UsageError.require(ranks >= 2, "--ranks must be >= 2");
            UsageError.require(mib >= 1 && mib <= 1024, "--mib must be 1..1024");
            UsageError.require(
                    links >= 1 && links <= Rendezvous.MAX_LINKS, "--links must be 1.." + Rendezvous.MAX_LINKS);
            UsageError.require(segmentKib >= 1 && segmentKib <= 65536, "--segment-kib must be 1..65536");
            WireFormat format;
            try {
                format = WireFormat.parse(wire);
            } catch (IllegalArgumentException e) {
                throw new UsageError("--wire: " + e.getMessage());
            }
            System.out.println(AllReduceBench.measure(ranks, mib, segmentKib << 10, links, format)
                    .line());
            return 0;
        }
    }

    @Command(
            name = "exchange",
            description = "The training replicas' gradient exchange, ranks as threads on "
                    + "127.0.0.1, repeated: checks the gradient arrays hold the exact sum after every step and that host "
                    + "memory and live NDArrays stay flat; ends with: exchange ranks=N steps=S staging=M ... exact=true "
                    + "rss_first_mib=A rss_last_mib=B ndarrays_first=C ndarrays_last=D ms_per_step=T")
    static final class Exchange implements Callable<Integer> {
        @Option(names = "--ranks", defaultValue = "2")
        int ranks;

        @Option(names = "--steps", defaultValue = "500")
        int steps;

        @Option(names = "--staging", defaultValue = "force", description = "auto | force (default: ${DEFAULT-VALUE})")
        String staging;

        @Option(
                names = "--buffer-kib",
                defaultValue = "256",
                description = "Staging buffer and bucket size (default: ${DEFAULT-VALUE} KiB).")
        int bufferKib;

        @Override
        public Integer call() {
            UsageError.require(
                    ranks >= 1 && steps >= 1 && bufferKib >= 1, "--ranks, --steps and --buffer-kib must be >= 1");
            HostStaging.Mode mode = UsageError.option("--staging", staging, HostStaging.Mode::parse);
            GradientExchangeBench.Result r = GradientExchangeBench.run(ranks, steps, mode, bufferKib << 10);
            System.out.println(r.line());
            return r.exact() ? 0 : 1;
        }
    }

    @Command(
            name = "split",
            description = "redi split (dedup and decontamination included) on N synthetic labelled "
                    + "traces generated in Spark; ends with: split traces=N seconds=S traces_per_s=X ...")
    static final class Split implements Callable<Integer> {
        @Option(names = "--traces", defaultValue = "100000")
        long traces;

        @Option(
                names = "--run-dir",
                paramLabel = "DIR",
                description = "Where the tables go (default: a temporary folder, deleted at the end).")
        File runDir;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            UsageError.require(traces >= 1, "--traces must be >= 1");
            RediCli root = (RediCli) spec.root().userObject(); // --conf and --set are the CLI's inherited options
            RediConfig config = RediConfig.load(root.conf, root.overrides);
            SparkSession spark = SparkSessions.getOrCreate(config);
            Path dir = runDir != null ? runDir.toPath() : Files.createTempDirectory("redi-bench-split");
            try {
                System.out.println(SplitBench.run(spark, config, dir.toString(), traces));
            } finally {
                if (runDir == null) {
                    FileUtils.deleteDirectory(dir.toFile());
                }
            }
            return 0;
        }
    }

    @Command(
            name = "generate",
            description =
                    "The in-process sampler at evaluation settings (temperature 0.6, top-p 0.95, no stop token) on "
                            + "random prompts; ends with: generate batch=B prompt_tokens=P new_tokens=N tokens_per_s=X "
                            + "prefill_tokens_per_s=Y ops_per_token=Z (decode tokens/s over the batch, prefill excluded; "
                            + "prompt tokens/s of the prefill; engine calls from Java per decoded token)")
    static final class Generate implements Callable<Integer> {
        @Mixin
        ModelShape model = new ModelShape();

        @Option(
                names = "--batch",
                defaultValue = "16",
                description = "Rows decoded together (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(
                names = "--prompt-tokens",
                defaultValue = "64",
                description = "Random prompt tokens per row (default: ${DEFAULT-VALUE}).")
        int promptTokens;

        @Option(
                names = "--new-tokens",
                defaultValue = "256",
                description = "Tokens generated per row (default: ${DEFAULT-VALUE}).")
        int newTokens;

        @Override
        public Integer call() {
            UsageError.require(batch >= 1 && promptTokens >= 1, "--batch and --prompt-tokens must be >= 1");
            UsageError.require(newTokens >= 2, "--new-tokens must be >= 2 (the first comes from the prefill)");
            System.out.println(GenerateBench.run(
                    model.config(),
                    batch,
                    promptTokens,
                    newTokens,
                    model.threads,
                    UsageError.option("--path", model.path, Sampler.Path::parse)));
            return 0;
        }
    }
}
