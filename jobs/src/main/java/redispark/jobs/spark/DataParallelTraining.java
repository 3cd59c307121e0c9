package redispark.jobs.spark;

import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import redispark.dist.ShardPlan;
import redispark.jobs.run.HadoopFiles;
import redispark.jobs.table.TrainingExampleFrame;
import redispark.run.LocalFiles;
import redispark.train.Checkpoints;
import redispark.train.TrainConfig;
import redispark.train.TrainLoop;
import redispark.train.TrainWorker;
import redispark.train.objective.Objective;
import scala.Tuple2;

/**
 * One training run of any objective on Spark, the part the train stages and the ML estimators share: the driver
 * fixes the schedule ({@link ShardPlan}: items in id order, the same step count on every rank, each global batch
 * dealt in equal slices), the rows go to their ranks, {@link BarrierTraining} runs the replicas, rank 0 publishes
 * the newest two resumable checkpoints at {@code resumeUri} and stages the model next to {@code checkpointUri}
 * (the caller publishes it: {@link StagedModel}), and
 * the driver collects rank 0's summary and metrics and every rank's rejects.
 *
 * <p>The examples are a {@link TrainingExampleFrame}.
 */
public final class DataParallelTraining {

    private DataParallelTraining() {}

    /**
     * @param initUri the model folder to start from
     * @param checkpointUri where the trained model (a Hugging Face folder) goes, by {@link StagedModel#publish}
     * @param resumeUri where rank 0 publishes resumable checkpoints; the run resumes from the newest there
     * @param maxRetries driver-side retries of a job Spark gave up on
     * @param snapshotUri where rank 0 publishes the model every {@code snapshotEvery} steps, as
     *     {@code <snapshotUri>/<step>} (null with 0: none)
     */
    public record Request(
            Dataset<Row> examples,
            String initUri,
            TrainConfig config,
            BarrierTraining.Ring ring,
            HadoopFiles files,
            String checkpointUri,
            String resumeUri,
            boolean progress,
            int maxRetries,
            String snapshotUri,
            int snapshotEvery) {
        public Request(
                Dataset<Row> examples,
                String initUri,
                TrainConfig config,
                BarrierTraining.Ring ring,
                HadoopFiles files,
                String checkpointUri,
                String resumeUri,
                boolean progress,
                int maxRetries) {
            this(examples, initUri, config, ring, files, checkpointUri, resumeUri, progress, maxRetries, null, 0);
        }
    }

    /**
     * @param summary rank 0's account of the run
     * @param metricLines every step's metrics (JSON), in step order
     * @param rejects refused items by reason, over all ranks
     */
    public record Result(
            Summary summary, List<String> metricLines, Map<String, Long> rejects, long items, StagedModel model) {}

    /**
     * The trained model, copied next to its place under a staging name by rank 0: the caller moves it into place
     * ({@link #publish}) once what must precede it (the metrics) is written, so a run that fails before never leaves
     * a model its records do not describe.
     *
     * @param clearResume whether the run finished, so its resumable checkpoints go once the model is in place
     */
    public record StagedModel(HadoopFiles files, String staging, String target, String resumeUri, boolean clearResume) {
        /** One rename into place; then the finished run's resumable checkpoints are deleted. */
        public void publish() {
            files.replace(staging, target);
            if (clearResume) {
                ResumeCheckpoints.clear(files, resumeUri);
            }
        }
    }

    /**
     * What the run produced, as rank 0 saw it.
     *
     * @param resumedFrom the global step it resumed from, -1 = none
     * @param replicaHashes every rank's weight hash per checkpoint step (zero-padded), the evidence that replicas
     *     stayed identical
     */
    public record Summary(
            int steps,
            String stopReason,
            int modelStep,
            int resumedFrom,
            List<String> warnings,
            Map<String, List<String>> replicaHashes)
            implements Serializable {}

    /** What one rank returns: its rejects by reason; rank 0 also the summary and the step metrics (else null / empty). */
    record RankResult(
            Map<String, Long> rejects, Summary summary, List<String> metricLines, String stagedModel, boolean finished)
            implements Serializable {}

    /** A row with its place in the driver's schedule (one per epoch that uses it). */
    public record SlotRow(ShardPlan.Slot slot, TrainWorker.TextRow row) implements Serializable {}

    public static Result train(Request q) {
        int workers = q.ring().workers();
        String master = q.examples().sparkSession().sparkContext().master();
        int slots = BarrierTraining.localSlots(master);
        if (slots >= 0 && slots < workers) {
            throw new IllegalArgumentException(
                    workers + " workers need as many task slots, the master " + master + " has " + slots);
        }
        Schedule schedule = Schedule.of(q.examples(), q.config(), workers);
        if (schedule.items() == 0) {
            throw new IllegalArgumentException(
                    "no " + q.config().objective().data().name().toLowerCase() + " to train on");
        }
        JavaPairRDD<Integer, SlotRow> byRank =
                schedule.rowsByRank(q.examples(), q.config().objective());
        List<RankResult> ranks = BarrierTraining.withRetries(
                q.maxRetries(),
                () -> BarrierTraining.run(
                        byRank,
                        q.ring().renewed(),
                        new Replica(
                                q.initUri(),
                                q.config(),
                                q.files(),
                                q.checkpointUri(),
                                q.resumeUri(),
                                q.progress(),
                                schedule.stepsPerEpoch(),
                                q.snapshotUri(),
                                q.snapshotEvery())));
        Summary summary = null;
        RankResult first = null;
        List<String> metricLines = new ArrayList<>();
        Map<String, Long> rejects = new LinkedHashMap<>();
        for (RankResult rank : ranks) {
            rank.rejects().forEach((reason, n) -> rejects.merge(reason, n, Long::sum));
            if (rank.summary() != null) {
                summary = rank.summary();
                first = rank;
                metricLines.addAll(rank.metricLines());
            }
        }
        if (summary == null) {
            throw new IllegalStateException("training returned no summary (rank 0 did not finish)");
        }
        StagedModel model =
                new StagedModel(q.files(), first.stagedModel(), q.checkpointUri(), q.resumeUri(), first.finished());
        return new Result(summary, metricLines, rejects, schedule.items(), model);
    }

    /** The work of one rank: its rows into {@link TrainWorker}, rank 0 publishing what the run produces. */
    private record Replica(
            String initUri,
            TrainConfig config,
            HadoopFiles files,
            String checkpointUri,
            String resumeUri,
            boolean progress,
            int stepsPerEpoch,
            String snapshotUri,
            int snapshotEvery)
            implements BarrierTraining.Replica<SlotRow, RankResult> {
        @Override
        public String announce(int stageAttempt) {
            // rank 0 picks the checkpoint (by step) for everyone: rank 0 of a failed attempt may still be rotating
            String newest = ResumeCheckpoints.newest(files, resumeUri);
            return newest == null ? "" : Integer.toString(ResumeCheckpoints.step(files, newest));
        }

        @Override
        public RankResult train(BarrierTraining.Worker w, List<SlotRow> shard) throws Exception {
            List<TrainWorker.TextRow> rows = new ArrayList<>(shard.size());
            List<ShardPlan.Slot> slots = new ArrayList<>(shard.size());
            for (SlotRow r : shard) {
                if (r.slot().rank() != w.rank()) {
                    throw new IllegalStateException("rank " + w.rank() + " got a row of rank "
                            + r.slot().rank());
                }
                rows.add(r.row());
                slots.add(r.slot());
            }
            Path resumeFrom = w.announcement().isEmpty()
                    ? null
                    : ResumeCheckpoints.fetch(files, resumeUri, Integer.parseInt(w.announcement()));
            Path work = Files.createTempDirectory("redi-train");
            Map<String, List<String>> replicaHashes = new TreeMap<>();
            try {
                TrainWorker.Outcome outcome = TrainWorker.run(new TrainWorker.Request(
                        files.localDirectory(initUri),
                        resumeFrom,
                        rows,
                        config,
                        w.collective(),
                        work,
                        (dir, state) -> {
                            ResumeCheckpoints.publish(files, dir, resumeUri);
                            replicaHashes.put(String.format("%08d", state.globalStep()), state.replicaHashes());
                        },
                        progress && w.rank() == 0,
                        new TrainWorker.Schedule(stepsPerEpoch, slots),
                        w.device(),
                        snapshotEvery,
                        (dir, step) -> files.publishDirectory(dir, snapshotUri + "/" + step)));
                Map<String, Long> rejects =
                        new LinkedHashMap<>(outcome.result().rejects().counts());
                if (w.rank() != 0) {
                    return new RankResult(rejects, null, List.of(), null, false);
                }
                String staged = files.stageDirectory(outcome.modelDir(), checkpointUri);
                Summary summary = new Summary(
                        outcome.steps(),
                        outcome.result().stopReason().label(),
                        Checkpoints.state(outcome.modelDir()).globalStep(),
                        resumeFrom == null ? -1 : Checkpoints.state(resumeFrom).globalStep(),
                        List.copyOf(outcome.result().warnings()),
                        replicaHashes);
                return new RankResult(
                        rejects,
                        summary,
                        List.copyOf(outcome.metricLines()),
                        staged,
                        outcome.result().stopReason() != TrainLoop.StopReason.MAX_STEPS);
            } finally {
                LocalFiles.deleteTree(work);
                if (resumeFrom != null) {
                    LocalFiles.deleteTree(resumeFrom.getParent());
                }
            }
        }
    }

    /** The driver's schedule: each item's slot in every epoch, keyed by kind and id. */
    record Schedule(int stepsPerEpoch, Map<String, List<ShardPlan.Slot>> slots, long items) {
        static Schedule of(Dataset<Row> examples, TrainConfig config, int workers) {
            List<String> first = new ArrayList<>();
            List<String> second = new ArrayList<>();
            for (Row r : examples.select(TrainingExampleFrame.ID, TrainingExampleFrame.NEGATIVE)
                    .collectAsList()) {
                (TrainingExampleFrame.negative(r) ? second : first).add(TrainingExampleFrame.id(r));
            }
            Collections.sort(first);
            Collections.sort(second);
            for (List<String> ids : List.of(first, second)) {
                for (int i = 1; i < ids.size(); i++) {
                    if (ids.get(i).equals(ids.get(i - 1))) {
                        throw new IllegalArgumentException(
                                "training rows must have unique ids; '" + ids.get(i) + "' comes twice");
                    }
                }
            }
            long items = first.size() + second.size();
            int steps = ShardPlan.stepsPerEpoch(items, config.batchSize());
            long seed = config.recipe().seed();
            Map<String, List<ShardPlan.Slot>> slots = new HashMap<>();
            List<List<ShardPlan.Slot>> a = ShardPlan.assign(first.size(), steps, config.epochs(), workers, seed, 0);
            List<List<ShardPlan.Slot>> b =
                    ShardPlan.assign(second.size(), steps, config.epochs(), workers, seed, ShardPlan.SECOND_KIND);
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
            Broadcast<Map<String, List<ShardPlan.Slot>>> plan = JavaSparkContext.fromSparkContext(
                            examples.sparkSession().sparkContext())
                    .broadcast(slots);
            return TrainingExampleFrame.conform(examples).toJavaRDD().flatMapToPair(r -> {
                List<ShardPlan.Slot> mine =
                        plan.value().get(key(TrainingExampleFrame.id(r), TrainingExampleFrame.negative(r)));
                TrainWorker.TextRow row = textRow(objective, r);
                List<Tuple2<Integer, SlotRow>> out = new ArrayList<>(mine.size());
                for (ShardPlan.Slot slot : mine) {
                    out.add(new Tuple2<>(slot.rank(), new SlotRow(slot, row)));
                }
                return out.iterator();
            });
        }
    }

    /** A {@link TrainingExampleFrame} row as the worker trains on it. */
    static TrainWorker.TextRow textRow(Objective objective, Row r) {
        String id = TrainingExampleFrame.id(r);
        String prompt = TrainingExampleFrame.prompt(r);
        String first = TrainingExampleFrame.first(r);
        return switch (objective.data()) {
            case EXAMPLES -> TrainWorker.TextRow.example(id, prompt, first);
            case UNPAIRED ->
                TrainingExampleFrame.negative(r)
                        ? TrainWorker.TextRow.negative(id, prompt, first)
                        : TrainWorker.TextRow.example(id, prompt, first);
            case PAIRS ->
                TrainWorker.TextRow.pair(
                        id, prompt, first, TrainingExampleFrame.second(r), TrainingExampleFrame.reference(r));
        };
    }
}
