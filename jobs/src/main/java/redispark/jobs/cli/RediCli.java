package redispark.jobs.cli;

import java.io.File;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import redispark.jobs.config.ConfigError;
import redispark.jobs.config.RediConfig;
import redispark.jobs.eval.EvalConfig;
import redispark.jobs.run.ErrorLine;
import redispark.jobs.run.RunDir;
import redispark.jobs.spark.SparkSessions;
import redispark.jobs.split.SplitConfig;
import redispark.jobs.stages.EvalStage;
import redispark.jobs.stages.GenerateStage;
import redispark.jobs.stages.LabelStage;
import redispark.jobs.stages.Pipeline;
import redispark.jobs.stages.ReportStage;
import redispark.jobs.stages.SplitStage;
import redispark.jobs.stages.Stage;
import redispark.jobs.stages.StageContext;
import redispark.jobs.stages.StageRunner;
import redispark.jobs.stages.TrainStage;
import redispark.jobs.train.TrainSettings;
import redispark.train.objective.Objective;
import redispark.verify.VerifyFile;

/**
 * {@code redi}: the one entry point, locally through {@code bin/redi} and on a cluster as the main class of
 * {@code spark-submit}. Errors reach the user as one line and a non-zero exit code (2 for usage, 1 for failures);
 * {@code --debug} adds the stack trace.
 */
@Command(
        name = "redi",
        mixinStandardHelpOptions = true,
        version = "redi-spark 0.1.0",
        description = "Reinforcement Distillation (REDI) on Apache Spark.",
        subcommands = {
            RediCli.PipelineCmd.class,
            RediCli.GenerateCmd.class,
            RediCli.LabelCmd.class,
            RediCli.SplitCmd.class,
            RediCli.TrainSftCmd.class,
            RediCli.TrainRediCmd.class,
            RediCli.EvalCmd.class,
            RediCli.ReportCmd.class,
            RediCli.ExperimentCmd.class,
            RediCli.VerifyCmd.class,
            BenchCommand.class,
            DoctorCommand.class,
            PlanCommand.class
        })
public final class RediCli {

    @Option(
            names = "--conf",
            paramLabel = "FILE",
            scope = CommandLine.ScopeType.INHERIT,
            description = "Environment config (HOCON) over the embedded defaults, e.g. conf/cluster.conf.")
    File conf;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            scope = CommandLine.ScopeType.INHERIT,
            description = "Override one config key, e.g. --set train.redi.alpha=0.8 (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT, description = "Print stack traces on errors.")
    boolean debug;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI and returns the exit code (tests call this instead of {@link #main}). */
    public static int execute(String... args) {
        RediCli root = new RediCli();
        CommandLine cli = new CommandLine(root);
        cli.setParameterExceptionHandler((e, a) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("redi: " + firstLine(e.getMessage()) + " (see 'redi --help')");
            err.flush();
            return 2;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            err.println("redi: error: " + describe(e));
            if (root.debug) {
                e.printStackTrace(err);
            }
            err.flush();
            // a config the run cannot use, or an option value the command cannot, is a usage error
            return e instanceof ConfigError || e instanceof UsageError ? 2 : 1;
        });
        return cli.execute(args);
    }

    private static String describe(Throwable e) {
        return ErrorLine.of(e);
    }

    static String firstLine(String message) {
        return ErrorLine.firstLine(message);
    }

    /** Options of every command that works on a run directory. */
    abstract static class RunCommand implements Callable<Integer> {
        @ParentCommand
        RediCli parent;

        @Option(
                names = "--run-dir",
                required = true,
                paramLabel = "DIR",
                description = "Run directory (local path or s3a://bucket/prefix).")
        String runDir;

        @Option(names = "--force", description = "Run the stage(s) even when up to date.")
        boolean force;

        abstract List<Stage> stages();

        /** Whether {@code stage} must run whatever the manifest says. */
        boolean forced(Stage stage) {
            return force;
        }

        /** Config overrides implied by this command's own options. */
        List<String> extraOverrides() {
            return List.of();
        }

        /** Parses every stage's settings once, so that a bad value is a usage error before any work. */
        private static void validate(RediConfig config) {
            TrainSettings.validate(config);
            try {
                SplitConfig.from(config);
                EvalConfig.from(config);
            } catch (ConfigError e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw new ConfigError(e.getMessage());
            }
        }

        /** Checks this command's options against the config, before Spark starts. */
        void check(RediConfig config) {}

        /** Overrides a named preset brings; the user's {@code --set}s go on top of them. */
        List<String> presetOverrides() {
            return List.of();
        }

        @Override
        public Integer call() {
            List<String> overrides = new ArrayList<>(presetOverrides());
            overrides.addAll(parent.overrides);
            overrides.addAll(extraOverrides());
            RediConfig config = RediConfig.load(parent.conf, overrides);
            validate(config); // a bad value stops here, not after the stages before the one that reads it
            check(config);
            List<Stage> stages = stages();
            // libtorch reads its thread count once, when the engine first loads (in this JVM in local mode).
            if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
                System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(config.getInt("train.threads")));
            }
            SparkSession spark = SparkSessions.getOrCreate(config);
            try {
                StageContext context = new StageContext(spark, RunDir.open(spark, runDir), config);
                for (Stage stage : stages) {
                    StageRunner.run(stage, context, forced(stage));
                }
                System.out.println("[redi] run directory: " + context.run().root());
                return 0;
            } finally {
                spark.stop();
            }
        }
    }

    @Command(
            name = "pipeline",
            description = "Run every stage in order: generate, label, split, train-sft, "
                    + "train-redi, eval, report. Stages that are up to date (same config, same inputs) are skipped.")
    static final class PipelineCmd extends RunCommand {
        @Option(
                names = "--from",
                paramLabel = "STAGE",
                description = "Rerun from this stage on (generate, label, split, train-sft, train-redi, eval, report).")
        String from;

        @Override
        List<Stage> stages() {
            if (from != null
                    && Pipeline.stages().stream().noneMatch(s -> s.name().equals(from))) {
                throw new UsageError("--from: unknown stage '" + from + "' (expected "
                        + String.join(
                                ", ",
                                Pipeline.stages().stream().map(Stage::name).toList()) + ")");
            }
            return Pipeline.stages();
        }

        @Override
        boolean forced(Stage stage) {
            if (force) {
                return true;
            }
            if (from == null) {
                return false;
            }
            List<String> names = Pipeline.stages().stream().map(Stage::name).toList();
            return names.indexOf(stage.name()) >= names.indexOf(from);
        }
    }

    @Command(name = "generate", description = "Write the problems and traces tables.")
    static final class GenerateCmd extends RunCommand {
        @Override
        List<Stage> stages() {
            return List.of(new GenerateStage());
        }
    }

    @Command(name = "label", description = "Label every trace with the math verifier (labeled table).")
    static final class LabelCmd extends RunCommand {
        @Override
        List<Stage> stages() {
            return List.of(new LabelStage());
        }
    }

    @Command(name = "split", description = "Write positives, negatives, pairs and rejects.")
    static final class SplitCmd extends RunCommand {
        @Override
        List<Stage> stages() {
            return List.of(new SplitStage());
        }
    }

    @Command(
            name = "train-sft",
            mixinStandardHelpOptions = true,
            description = "Stage 1: SFT of the base student on the selected positives (checkpoints/sft). "
                    + "Recipe: train.sft.*, preset train.preset.")
    static final class TrainSftCmd extends RunCommand {
        @Override
        List<Stage> stages() {
            return List.of(new TrainStage(Objective.SFT));
        }
    }

    @Command(
            name = "train-redi",
            mixinStandardHelpOptions = true,
            description = "Stage 2 from the SFT checkpoint (checkpoints/<objective>). "
                    + "Recipe: train.<objective>.*, preset train.preset.")
    static final class TrainRediCmd extends RunCommand {
        @Option(
                names = "--objective",
                paramLabel = "NAME",
                defaultValue = "redi",
                converter = TrainRediCmd.Stage2.class,
                description = "redi (pairs, the paper), redi-unpaired (all positives and negatives), dpo (against "
                        + "the SFT model's reference log-probs, computed once into ref_logps/<hash>) or simpo. "
                        + "Default: ${DEFAULT-VALUE}.")
        Objective objective;

        @Override
        List<Stage> stages() {
            return List.of(new TrainStage(objective));
        }

        /** Parses a stage-2 objective; {@code sft} is stage 1 and has its own command. */
        static final class Stage2 implements CommandLine.ITypeConverter<Objective> {
            @Override
            public Objective convert(String value) {
                Objective o = Objective.parse(value);
                if (o == Objective.SFT) {
                    throw new IllegalArgumentException("sft is stage 1: use 'redi train-sft'");
                }
                return o;
            }
        }
    }

    @Command(
            name = "eval",
            description = "Sample and score models: by default the run's base, SFT and REDI "
                    + "checkpoints on eval.benchmarks; with --model, the given Hugging Face folders; with "
                    + "--set eval.backend=openai, the models of eval.models served at eval.openai.base-url.")
    static final class EvalCmd extends RunCommand {
        @Option(names = "--model", paramLabel = "DIR", description = "A model folder to evaluate (repeatable).")
        List<String> models = new ArrayList<>();

        @Option(
                names = "--benchmarks",
                paramLabel = "LIST",
                split = ",",
                description = "Benchmarks, e.g. math500,aime24,amc23,minerva_math,olympiadbench,gsm8k,synthetic "
                        + "(sets eval.benchmarks).")
        List<String> benchmarks = new ArrayList<>();

        @Option(names = "--samples", paramLabel = "N", description = "Samples per problem (sets eval.samples).")
        Integer samples;

        @Override
        List<String> extraOverrides() {
            List<String> out = new ArrayList<>();
            if (!benchmarks.isEmpty()) {
                out.add("eval.benchmarks=["
                        + String.join(
                                ",",
                                benchmarks.stream().map(b -> "\"" + b + "\"").toList()) + "]");
            }
            if (samples != null) {
                out.add("eval.samples=" + samples);
            }
            return out;
        }

        @Override
        void check(RediConfig config) {
            if (!models.isEmpty() && EvalConfig.from(config).backend() == EvalConfig.Backend.OPENAI) {
                throw new UsageError("--model names a model folder, which eval.backend = openai does not evaluate: "
                        + "name the served models in eval.models and eval.openai.models");
            }
        }

        @Override
        List<Stage> stages() {
            java.util.Map<String, String> explicit = new java.util.LinkedHashMap<>();
            for (String m : models) {
                File dir = new File(m);
                if (!new File(dir, "config.json").isFile()) {
                    throw new UsageError(
                            "--model " + m + ": no config.json (expected a Hugging Face " + "model folder)");
                }
                explicit.put(dir.getName(), dir.getAbsolutePath());
            }
            return List.of(new EvalStage(explicit));
        }
    }

    @Command(
            name = "experiment",
            description =
                    "Compare stage-2 methods (continued SFT, DPO, SimPO, symmetric "
                            + "REDI, REDI) from one SFT model over a learning-rate sweep and seeds, as in the paper's Table 2; writes "
                            + "experiment/report/ (results table and plots). Runs generate, label, split and train-sft first if needed.")
    static final class ExperimentCmd extends RunCommand {
        @Option(
                names = "--preset",
                paramLabel = "NAME",
                defaultValue = "paper-table2",
                description =
                        "paper-table2 (laptop scale, the experiment.* defaults), embedded (the pipeline's own data and "
                                + "SFT model, e.g. a learning-rate sweep on a pipeline run) or minimal (a quick check).")
        String preset;

        @Override
        List<String> presetOverrides() {
            return UsageError.option("--preset", preset, redispark.jobs.experiment.ExperimentPreset::parse)
                    .overrides();
        }

        @Override
        List<Stage> stages() {
            return List.of(
                    new GenerateStage(),
                    new LabelStage(),
                    new SplitStage(),
                    new TrainStage(Objective.SFT),
                    new redispark.jobs.experiment.ExperimentStage());
        }
    }

    @Command(name = "report", description = "Write report/index.html with plots.")
    static final class ReportCmd extends RunCommand {
        @Override
        List<Stage> stages() {
            return List.of(new ReportStage());
        }
    }

    @Command(
            name = "verify",
            description = "Verify a JSONL file of {gold, pred} lines; adds correct, extracted, " + "reason.")
    static final class VerifyCmd implements Callable<Integer> {
        @Option(names = "--input", required = true, paramLabel = "FILE")
        File input;

        @Option(names = "--output", required = true, paramLabel = "FILE")
        File output;

        @Override
        public Integer call() throws Exception {
            requireFile(input);
            VerifyFile.run(input.toPath(), output.toPath());
            return 0;
        }
    }

    static void requireFile(File file) {
        if (!file.isFile()) {
            throw new IllegalArgumentException("input file not found: " + file);
        }
    }
}
