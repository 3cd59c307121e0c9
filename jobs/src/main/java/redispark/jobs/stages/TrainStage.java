package redispark.jobs.stages;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import redispark.dist.ShardPlan;
import redispark.jobs.config.RediConfig;
import redispark.jobs.run.HadoopFiles;
import redispark.jobs.run.RunDir;
import redispark.jobs.spark.BarrierTraining;
import redispark.jobs.spark.ResumeCheckpoints;
import redispark.jobs.spark.SparkSchemas;
import redispark.train.Checkpoints;
import redispark.train.RefLogProbs;
import redispark.train.TrainConfig;
import redispark.train.TrainLoop;
import redispark.train.TrainWorker;
import redispark.train.TrainerState;
import redispark.train.objective.Objective;

/**
 * {@code redi train-sft} (stage 1: SFT from the base student on the selected positives) and {@code redi train-redi
 * --objective redi|redi-unpaired|dpo|simpo} (stage 2 from the SFT checkpoint: REDI on pairs, REDI on all positives
 * and negatives, or the DPO / SimPO baselines). Training runs inside a Spark barrier stage, one replica per task;
 * rank 0 publishes the model to {@code checkpoints/<objective>}, resumable progress to
 * {@code checkpoints/<objective>.resume}, and the step metrics to {@code metrics/<objective>} (Parquet, long form)
 * and {@code metrics/<objective>.jsonl}. DPO first makes sure the reference log-probs exist
 * ({@link RefLogProbsJob}).
 */
public final class TrainStage implements Stage {
    private final Objective objective;

    public TrainStage(Objective objective) {
        this.objective = objective;
    }

    public static String checkpointOf(Objective objective) {
        return "checkpoints/" + objective.label();
    }

    static String resumeOf(Objective objective) {
        return checkpointOf(objective) + ".resume";
    }

    @Override
    public String name() {
        return "train-" + objective.label();
    }

    @Override
    public List<String> configPaths() {
        // Upstream changes arrive through the input fingerprints; these are the keys training itself reads.
        return List.of("train.workers", "train.max-seq-len", "train.preset", "train.max-steps", "train.collapse",
                "train." + objective.label(), "student");
    }

    /** The tables trained on and the starting model: a change in any of them makes the stage run again. */
    @Override
    public List<String> inputs() {
        String init = objective == Objective.SFT ? StudentBase.DIR : checkpointOf(Objective.SFT);
        return switch (objective.data()) {
            case EXAMPLES -> List.of("positives", init);
            case PAIRS -> List.of("pairs", init);
            case UNPAIRED -> List.of("positives", "negatives", init);
        };
    }

    @Override
    public List<String> outputs() {
        return List.of(checkpointOf(objective), "metrics/" + objective.label());
    }

    @Override
    public StageOutcome run(StageContext context) {
        RediConfig config = context.config();
        RunDir run = context.run();
        TrainConfig trainConfig = TrainSettings.resolve(config, objective);
        BarrierTraining.Ring ring = TrainSettings.ring(config);
        int workers = ring.workers();
        int slots = BarrierTraining.localSlots(context.spark().sparkContext().master());
        if (slots >= 0 && slots < workers) {
            throw new IllegalArgumentException("train.workers = " + workers + " needs as many task slots, the master "
                    + context.spark().sparkContext().master() + " has " + slots);
        }
        Map<String, Long> rows = new LinkedHashMap<>();
        String initUri = objective == Objective.SFT ? StudentBase.ensure(context) : sftCheckpoint(run);
        Dataset<Row> examples = examples(context, initUri, rows);
        Schedule schedule = Schedule.of(examples, trainConfig, workers);
        if (schedule.items() == 0) {
            throw new IllegalArgumentException("no " + objective.data().name().toLowerCase() + " to train on in "
                    + run.root());
        }
        HadoopFiles files = run.files();
        String checkpointUri = run.path(checkpointOf(objective));
        String resumeUri = run.path(resumeOf(objective));
        if (!resumable(config, run, trainConfig, workers)) {
            ResumeCheckpoints.clear(files, resumeUri);
        }
        boolean progress = config.raw().getBoolean("train.progress");
        Objective kind = objective;
        JavaPairRDD<Integer, SlotRow> byRank = schedule.rowsByRank(examples, kind);
        int stepsPerEpoch = schedule.stepsPerEpoch();
        BarrierTraining.Replica<SlotRow> replica = new BarrierTraining.Replica<>() {
            @Override
            public String announce(int stageAttempt) {
                // rank 0 picks the checkpoint for everyone: a straggler of a failed attempt may still be writing
                String newest = ResumeCheckpoints.newest(files, resumeUri);
                return newest == null ? "" : newest;
            }

            @Override
            public List<String> train(BarrierTraining.Worker w, List<SlotRow> shard) throws Exception {
                List<TrainWorker.TextRow> textRows = new ArrayList<>(shard.size());
                List<ShardPlan.Slot> slotsOfRows = new ArrayList<>(shard.size());
                for (SlotRow r : shard) {
                    if (r.slot().rank() != w.rank()) {
                        throw new IllegalStateException("rank " + w.rank() + " got a row of rank " + r.slot().rank());
                    }
                    textRows.add(r.row());
                    slotsOfRows.add(r.slot());
                }
                String resumeFrom = w.announcement().isEmpty() ? null : w.announcement();
                Path work = Files.createTempDirectory("redi-train");
                Map<String, List<String>> replicaHashes = new java.util.TreeMap<>();
                try {
                    TrainWorker.Outcome outcome = TrainWorker.run(new TrainWorker.Request(
                            files.localDirectory(initUri), resumeFrom == null ? null : files.localDirectory(resumeFrom),
                            textRows, trainConfig, w.collective(), work,
                            (dir, state) -> {
                                ResumeCheckpoints.publish(files, dir, resumeUri);
                                replicaHashes.put(String.format("%08d", state.globalStep()), state.replicaHashes());
                            }, progress && w.rank() == 0,
                            new TrainWorker.Schedule(stepsPerEpoch, slotsOfRows), w.device()));
                    List<String> out = new ArrayList<>();
                    out.add(Json.write(Map.of("rejects_of_rank", w.rank(),
                            "counts", outcome.result().rejects().counts())));
                    if (w.rank() != 0) {
                        return out;
                    }
                    files.publishDirectory(outcome.modelDir(), checkpointUri);
                    if (outcome.result().stopReason() != TrainLoop.StopReason.MAX_STEPS) {
                        ResumeCheckpoints.clear(files, resumeUri);
                    }
                    Map<String, Object> summary = new LinkedHashMap<>();
                    summary.put("steps", outcome.steps());
                    summary.put("stop_reason", outcome.result().stopReason().label());
                    summary.put("model_step", Checkpoints.state(outcome.modelDir()).globalStep());
                    summary.put("resumed_from", resumeFrom == null ? -1 : Checkpoints.state(
                            files.localDirectory(resumeFrom)).globalStep());
                    summary.put("warnings", outcome.result().warnings());
                    summary.put("replica_hashes", replicaHashes);
                    out.add(Json.write(Map.of("summary", summary)));
                    out.addAll(outcome.metricLines());
                    return out;
                } finally {
                    TrainWorker.deleteTree(work);
                }
            }
        };
        List<String> lines = BarrierTraining.withRetries(config.getInt("train.dist.max-retries"),
                () -> BarrierTraining.run(byRank, ring.renewed(), replica));
        Map<String, Object> summary = null;
        List<String> metricLines = new ArrayList<>();
        Map<String, Long> rejects = new LinkedHashMap<>();
        for (String line : lines) { // rank 0's summary and metric lines, every rank's rejects, in any order
            if (line.contains("\"summary\"")) {
                summary = summary(line);
            } else if (line.contains("\"rejects_of_rank\"")) {
                ((Map<?, ?>) json(line).get("counts")).forEach((k, v) -> rejects.merge((String) k,
                        ((Number) v).longValue(), Long::sum));
            } else {
                metricLines.add(line);
            }
        }
        if (summary == null) {
            throw new IllegalStateException("training returned no summary (rank 0 did not finish)");
        }
        metricLines.sort(java.util.Comparator.comparingDouble(l -> Json.readDoubles(l).get("global_step")));
        long metricRowCount = run.writeTable(context.spark().createDataFrame(metricRows(metricLines),
                SparkSchemas.METRIC), "metrics/" + objective.label());
        files.writeText(run.path("metrics/" + objective.label() + ".jsonl"), String.join("\n", metricLines) + "\n");
        rows.put("examples", schedule.items());
        rows.put("steps", ((Number) summary.get("steps")).longValue());
        rows.put("model_step", ((Number) summary.get("model_step")).longValue());
        rows.put("resumed_from", ((Number) summary.get("resumed_from")).longValue());
        rows.put("metrics/" + objective.label(), metricRowCount);
        if (workers > 1) { // evidence that the replicas stayed identical: every rank's weight hash per checkpoint
            files.writeText(run.path("metrics/" + objective.label() + ".replicas.json"),
                    Json.write(summary.get("replica_hashes")));
        }
        List<?> warnings = (List<?>) summary.get("warnings");
        warnings.forEach(w -> System.out.println("[redi] WARNING " + w));
        if (!"finished".equals(summary.get("stop_reason"))) {
            System.out.println("[redi] " + name() + " stopped early (" + summary.get("stop_reason") + "); "
                    + checkpointOf(objective) + " holds step " + summary.get("model_step"));
        }
        return StageOutcome.of(rows, rejects);
    }

    /** A row with its place in the driver's schedule (one per epoch that uses it). */
    public record SlotRow(ShardPlan.Slot slot, TrainWorker.TextRow row) implements java.io.Serializable {}

    /**
     * The driver's schedule ({@link ShardPlan}): items in id order (positives and negatives apart for unpaired
     * REDI), the same step count for every rank, and each global batch dealt to the ranks in equal slices.
     */
    record Schedule(int stepsPerEpoch, Map<String, List<ShardPlan.Slot>> slots, long items) {
        static Schedule of(Dataset<Row> examples, TrainConfig config, int workers) {
            List<String> first = new ArrayList<>();
            List<String> second = new ArrayList<>();
            for (Row r : examples.select("id", "negative").collectAsList()) {
                (r.getBoolean(1) ? second : first).add(r.getString(0));
            }
            java.util.Collections.sort(first);
            java.util.Collections.sort(second);
            for (List<String> ids : List.of(first, second)) {
                for (int i = 1; i < ids.size(); i++) {
                    if (ids.get(i).equals(ids.get(i - 1))) {
                        throw new IllegalArgumentException("training rows must have unique ids; " + ids.get(i)
                                + " comes twice");
                    }
                }
            }
            long items = first.size() + second.size();
            int steps = ShardPlan.stepsPerEpoch(items, config.batchSize());
            Map<String, List<ShardPlan.Slot>> slots = new java.util.HashMap<>();
            long seed = config.recipe().seed();
            List<List<ShardPlan.Slot>> a = ShardPlan.assign(first.size(), steps, config.epochs(), workers, seed, 0);
            List<List<ShardPlan.Slot>> b = ShardPlan.assign(second.size(), steps, config.epochs(), workers, seed,
                    ShardPlan.SECOND_KIND);
            for (int i = 0; i < first.size(); i++) {
                slots.put(key(first.get(i), false), a.get(i));
            }
            for (int i = 0; i < second.size(); i++) {
                slots.put(key(second.get(i), true), b.get(i));
            }
            return new Schedule(steps, slots, items);
        }

        static String key(String id, boolean negative) {
            return (negative ? "-" : "+") + id;
        }

        /** Each row once per epoch, keyed by the rank that trains on it then. */
        JavaPairRDD<Integer, SlotRow> rowsByRank(Dataset<Row> examples, Objective objective) {
            org.apache.spark.broadcast.Broadcast<Map<String, List<ShardPlan.Slot>>> plan = JavaSparkContext
                    .fromSparkContext(examples.sparkSession().sparkContext()).broadcast(slots);
            return examples.toJavaRDD().flatMapToPair(r -> {
                List<ShardPlan.Slot> mine = plan.value().get(key(r.getString(0), r.getBoolean(6)));
                TrainWorker.TextRow row = textRow(objective, r);
                List<scala.Tuple2<Integer, SlotRow>> out = new ArrayList<>(mine.size());
                for (ShardPlan.Slot slot : mine) {
                    out.add(new scala.Tuple2<>(slot.rank(), new SlotRow(slot, row)));
                }
                return out.iterator();
            });
        }
    }

    private static String sftCheckpoint(RunDir run) {
        String sft = checkpointOf(Objective.SFT);
        if (!run.exists(sft)) {
            throw new IllegalArgumentException("no SFT checkpoint at " + run.path(sft)
                    + " (run 'redi train-sft' first)");
        }
        return run.path(sft);
    }

    /**
     * The objective's rows in one shape: id, prompt, first completion, second completion (pairs), reference sums
     * (DPO), negative flag (unpaired).
     */
    private Dataset<Row> examples(StageContext context, String initUri, Map<String, Long> rows) {
        RunDir run = context.run();
        var noRef = lit(null).cast(DataTypes.DoubleType);
        var noText = lit(null).cast(DataTypes.StringType);
        return switch (objective) {
            case SFT -> run.readTable(context.spark(), "positives", "split").filter(col("selected")).select(
                    concat_ws("#", col("problem_id"), col("sample_idx")).as("id"), col("prompt"),
                    col("completion").as("first"), noText.as("second"), noRef.as("ref_chosen"),
                    noRef.as("ref_rejected"), lit(false).as("negative"));
            case REDI, SIMPO -> pairs(run.readTable(context.spark(), "pairs", "split"), noRef, noRef);
            case DPO -> {
                RefLogProbsJob.Table ref = RefLogProbsJob.ensure(context, initUri);
                rows.put(ref.name(), ref.rows());
                rows.put("ref_logps_computed", ref.computed() ? ref.rows() : 0L);
                Dataset<Row> joined = run.readTable(context.spark(), "pairs", "split").join(
                        run.readTable(context.spark(), ref.name(), "train-redi --objective dpo"),
                        RefLogProbsJob.KEY.toArray(String[]::new), "left");
                yield pairs(joined, col("ref_chosen_logps"), col("ref_rejected_logps"));
            }
            case REDI_UNPAIRED -> {
                Dataset<Row> pos = run.readTable(context.spark(), "positives", "split").withColumn("negative",
                        lit(false));
                Dataset<Row> neg = run.readTable(context.spark(), "negatives", "split").withColumn("negative",
                        lit(true));
                yield pos.select("problem_id", "sample_idx", "prompt", "completion", "negative")
                        .unionByName(neg.select("problem_id", "sample_idx", "prompt", "completion", "negative"))
                        .select(concat_ws("#", col("problem_id"), col("sample_idx")).as("id"), col("prompt"),
                                col("completion").as("first"), noText.as("second"), noRef.as("ref_chosen"),
                                noRef.as("ref_rejected"), col("negative"));
            }
        };
    }

    private static Dataset<Row> pairs(Dataset<Row> pairs, org.apache.spark.sql.Column refChosen,
            org.apache.spark.sql.Column refRejected) {
        return pairs.select(concat_ws("#", col("problem_id"), col("chosen_idx"), col("rejected_idx")).as("id"),
                col("prompt"), col("chosen").as("first"), col("rejected").as("second"), refChosen.as("ref_chosen"),
                refRejected.as("ref_rejected"), lit(false).as("negative"));
    }

    private static TrainWorker.TextRow textRow(Objective objective, Row r) {
        String id = r.getString(0);
        return switch (objective.data()) {
            case EXAMPLES -> TrainWorker.TextRow.example(id, r.getString(1), r.getString(2));
            case UNPAIRED -> r.getBoolean(6) ? TrainWorker.TextRow.negative(id, r.getString(1), r.getString(2))
                    : TrainWorker.TextRow.example(id, r.getString(1), r.getString(2));
            case PAIRS -> TrainWorker.TextRow.pair(id, r.getString(1), r.getString(2), r.getString(3),
                    r.isNullAt(4) || r.isNullAt(5) ? null : new RefLogProbs(r.getDouble(4), r.getDouble(5)));
        };
    }

    /**
     * Whether the newest resume checkpoint exists, is unfinished and was trained with this recipe and world size;
     * when not, the stage starts from step 0 (and a failure later in this run resumes from its own checkpoints).
     */
    private boolean resumable(RediConfig rediConfig, RunDir run, TrainConfig config, int workers) {
        String dir = ResumeCheckpoints.newest(run.files(), run.path(resumeOf(objective)));
        if (!rediConfig.raw().getBoolean("train.resume") || dir == null) {
            return false;
        }
        TrainerState state = TrainerState.fromJson(run.files().readText(dir + "/" + Checkpoints.TRAINER_STATE));
        boolean sameWorld = state.worldSize() == workers;
        boolean ok = !state.finished() && config.resumableFrom(state.config()) && sameWorld;
        System.out.println("[redi] " + name() + ": " + (ok ? "resuming from step " + state.globalStep() + " of " + dir
                : "not resuming from " + dir + " (trained with " + (sameWorld ? "another recipe)"
                        : state.worldSize() + " workers)")));
        return ok;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> summary(String line) {
        return (Map<String, Object>) json(line).get("summary");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String line) {
        try {
            return Json.MAPPER.readValue(line, Map.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("training returned a bad line: " + e.getOriginalMessage(), e);
        }
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
}
