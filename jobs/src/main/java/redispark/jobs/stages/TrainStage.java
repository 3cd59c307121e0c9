package redispark.jobs.stages;

import static org.apache.spark.sql.functions.col;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import redispark.dist.Collective;
import redispark.jobs.config.RediConfig;
import redispark.jobs.run.HadoopFiles;
import redispark.jobs.spark.BarrierTraining;
import redispark.jobs.spark.SparkSchemas;
import redispark.train.TrainConfig;
import redispark.train.TrainWorker;
import redispark.train.objective.Objective;

/**
 * {@code redi train-sft} (stage 1: SFT from the base student on the selected positives) and {@code redi train-redi}
 * (stage 2: REDI from the SFT checkpoint on the pairs). Training runs inside a Spark barrier stage, one replica per
 * task; rank 0 publishes the checkpoint folder to {@code checkpoints/<stage>} and the step metrics to
 * {@code metrics/<stage>}.
 */
public final class TrainStage implements Stage {
    private final Objective objective;

    public TrainStage(Objective objective) {
        this.objective = objective;
    }

    public static String checkpointOf(Objective objective) {
        return "checkpoints/" + objective.label();
    }

    @Override
    public String name() {
        return "train-" + objective.label();
    }

    @Override
    public List<String> configPaths() {
        return List.of("train", "student", "split", "label", "problems", "teacher");
    }

    @Override
    public StageOutcome run(StageContext context) {
        RediConfig config = context.config();
        TrainConfig trainConfig = trainConfig(config, objective);
        int workers = config.getInt("train.workers");
        if (workers != 1) {
            throw new IllegalArgumentException("train.workers = " + workers + ": only 1 worker is supported so far");
        }
        String initUri;
        Dataset<Row> examples;
        Map<String, Long> rejects = new LinkedHashMap<>();
        if (objective == Objective.SFT) {
            initUri = StudentBase.ensure(context);
            examples = context.run().readTable(context.spark(), "positives", "split").filter(col("selected"))
                    .select(col("problem_id"), col("sample_idx"), col("prompt"), col("completion"));
        } else {
            String sft = checkpointOf(Objective.SFT);
            if (!context.run().exists(sft)) {
                throw new IllegalArgumentException("no SFT checkpoint at " + context.run().path(sft)
                        + " (run 'redi train-sft' first)");
            }
            initUri = context.run().path(sft);
            Dataset<Row> pairs = context.run().readTable(context.spark(), "pairs", "split");
            long identical = pairs.filter(col("chosen").equalTo(col("rejected"))).count();
            if (identical > 0) {
                rejects.put("identical_pair", identical);
            }
            examples = pairs.filter(col("chosen").notEqual(col("rejected")))
                    .select(col("problem_id"), col("chosen_idx"), col("prompt"), col("chosen"), col("rejected"));
        }
        long count = examples.count();
        if (count == 0) {
            throw new IllegalArgumentException("no " + (objective.paired() ? "pairs" : "positives")
                    + " to train on in " + context.run().root());
        }
        HadoopFiles files = context.run().files();
        String checkpointUri = context.run().path(checkpointOf(objective));
        boolean paired = objective.paired();
        String label = objective.label();
        List<String> metricLines = BarrierTraining.run(examples, workers, (rank, world, rows) -> {
            List<TrainWorker.TextRow> textRows = new ArrayList<>(rows.size());
            for (Row r : rows) {
                String id = r.getString(0) + "#" + r.getInt(1);
                textRows.add(new TrainWorker.TextRow(id, r.getString(2),
                        paired ? List.of(r.getString(3), r.getString(4)) : List.of(r.getString(3))));
            }
            Path out = Files.createTempDirectory("redi-ckpt").resolve(label);
            TrainWorker.Outcome outcome = TrainWorker.run(
                    files.localDirectory(initUri), textRows, trainConfig, Collective.single(), out);
            if (rank == 0) {
                files.publishDirectory(out, checkpointUri);
                return outcome.metricLines();
            }
            return List.of();
        });
        long metricRowCount = context.run().writeTable(context.spark().createDataFrame(
                metricRows(metricLines), SparkSchemas.METRIC), "metrics/" + objective.label());
        Map<String, Long> rows = new LinkedHashMap<>();
        rows.put("examples", count);
        rows.put("steps", (long) metricLines.size());
        rows.put("metrics/" + objective.label(), metricRowCount);
        return StageOutcome.of(rows, rejects);
    }

    /** Step metrics in long form, (step, name, value): one row per metric per step. */
    private static List<Row> metricRows(List<String> jsonLines) {
        List<Row> rows = new ArrayList<>();
        for (String line : jsonLines) {
            Map<String, Double> metrics = Json.readDoubles(line);
            int step = metrics.get("global_step").intValue();
            metrics.forEach((name, value) -> rows.add(RowFactory.create(step, name, value)));
        }
        return rows;
    }

    static TrainConfig trainConfig(RediConfig config, Objective objective) {
        String p = "train." + objective.label() + ".";
        double alpha = objective == Objective.REDI ? config.getDouble(p + "alpha") : 0.0;
        return new TrainConfig(objective, config.getDouble(p + "learning-rate"), config.getInt(p + "epochs"),
                config.getInt(p + "batch-size"), config.getDouble(p + "warmup-ratio"),
                config.getDouble(p + "weight-decay"), config.getDouble(p + "grad-clip"), alpha,
                config.getLong(p + "seed"), config.getInt("train.max-seq-len"));
    }
}
