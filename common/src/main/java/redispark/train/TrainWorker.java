package redispark.train;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import redispark.dist.Collective;
import redispark.dist.ShardPlan;
import redispark.model.HostStaging;
import redispark.model.Qwen2Model;
import redispark.run.LocalFiles;
import redispark.text.ChatTemplate;
import redispark.text.TextTokenizer;
import redispark.train.objective.Objective;

/**
 * One training replica from start to end: load the initial model folder (or the checkpoint to resume from),
 * tokenise this rank's rows with the model's chat template through {@link Admission}, train, and (on rank 0) write
 * checkpoints. Spark-free: the Spark glue only feeds rows and publishes folders.
 */
public final class TrainWorker {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TrainWorker() {}

    /**
     * A prompt and its completion(s): one completion for SFT and unpaired REDI (with {@code negative} telling which
     * list it joins), chosen then rejected for pairs (with the reference log-probs for DPO).
     */
    public record TextRow(String id, String prompt, List<String> completions, RefLogProbs ref, boolean negative)
            implements Serializable {
        public static TextRow example(String id, String prompt, String completion) {
            return new TextRow(id, prompt, java.util.Arrays.asList(completion), null, false);
        }

        public static TextRow negative(String id, String prompt, String completion) {
            return new TextRow(id, prompt, java.util.Arrays.asList(completion), null, true);
        }

        public static TextRow pair(String id, String prompt, String chosen, String rejected, RefLogProbs ref) {
            return new TextRow(id, prompt, java.util.Arrays.asList(chosen, rejected), ref, false);
        }
    }

    /** Rank 0 hands every checkpoint it writes to this (e.g. to copy it to the run directory for a later resume). */
    @FunctionalInterface
    public interface CheckpointSink {
        void written(Path checkpointDir, TrainerState state);
    }

    /** Rank 0 hands every model snapshot ({@link Request#snapshotEvery()}) to this; the folder is deleted after. */
    @FunctionalInterface
    public interface SnapshotSink {
        void written(Path modelDir, int step);
    }

    /**
     * This rank's share of a schedule the driver fixed ({@link ShardPlan}): row i of the request fills
     * {@code slots.get(i)}; a row that several epochs use comes once per epoch.
     */
    public record Schedule(int stepsPerEpoch, List<ShardPlan.Slot> slots) implements Serializable {}

    /**
     * @param initDir the initial model folder (tokenizer and chat template always come from here)
     * @param resumeDir a checkpoint to continue from, or null to start at step 0
     * @param workDir local directory for this replica's checkpoints
     * @param progressBar show a console progress bar (rank 0)
     * @param schedule the driver's schedule for this rank, or null for this worker's own order of its rows
     * @param device where the replica lives (null = the engine's default, the CPU here)
     * @param snapshotEvery rank 0 writes the model as it is after every this many optimizer steps (not after the
     *     last one, which is the stage's model) to {@code snapshots}; 0 = none
     */
    public record Request(
            Path initDir,
            Path resumeDir,
            List<TextRow> rows,
            TrainConfig config,
            Collective collective,
            Path workDir,
            CheckpointSink sink,
            boolean progressBar,
            Schedule schedule,
            Device device,
            int snapshotEvery,
            SnapshotSink snapshots) {
        public Request {
            if (snapshotEvery < 0 || (snapshotEvery > 0 && snapshots == null)) {
                throw new IllegalArgumentException("snapshots every " + snapshotEvery + " steps need a sink");
            }
        }

        public Request(
                Path initDir,
                Path resumeDir,
                List<TextRow> rows,
                TrainConfig config,
                Collective collective,
                Path workDir,
                CheckpointSink sink,
                boolean progressBar) {
            this(initDir, resumeDir, rows, config, collective, workDir, sink, progressBar, null, null, 0, null);
        }
    }

    /**
     * What the worker hands back.
     *
     * @param modelDir the checkpoint folder to publish as the stage's model (rank 0; the last good one after a
     *     collapse stop), null on other ranks
     * @param metricLines every step's metrics as JSON lines, including the steps before a resume
     */
    public record Outcome(TrainLoop.Result result, Path modelDir, List<String> metricLines) {
        public int steps() {
            return result.steps();
        }
    }

    public static Outcome run(Request q) {
        List<String> metricLines = new ArrayList<>();
        if (q.resumeDir() != null) {
            metricLines.addAll(Checkpoints.metrics(q.resumeDir()));
        }
        TreeMap<Integer, Path> written = new TreeMap<>();
        try (NDManager root = q.device() == null ? NDManager.newBaseManager() : NDManager.newBaseManager(q.device());
                Qwen2Model model = Qwen2Model.load(
                        q.resumeDir() != null ? q.resumeDir() : q.initDir(),
                        root,
                        q.config().model());
                TextTokenizer tokenizer = TextTokenizer.load(q.initDir());
                HostStaging staging =
                        new HostStaging(q.config().compute().staging(), HostStaging.DEFAULT_BUFFER_BYTES)) {
            ChatTemplate template = ChatTemplate.load(q.initDir());
            Rejects rejects = new Rejects();
            TrainData data = null;
            TrainLoop.Plan plan = null;
            int stepsPerEpoch;
            if (q.schedule() == null) {
                data = tokenize(q.config(), q.rows(), tokenizer, template, rejects);
                stepsPerEpoch = data.stepsPerEpoch(
                        Math.max(1, q.config().batchSize() / q.collective().worldSize()));
            } else {
                plan = ScheduledPlan.of(q, tokenizer, template, rejects);
                stepsPerEpoch = plan.stepsPerEpoch();
            }
            boolean rank0 = q.collective().rank() == 0;
            ProgressBar bar = rank0 && q.progressBar()
                    ? ProgressBar.console(stepsPerEpoch * q.config().epochs())
                    : null;
            int totalSteps = stepsPerEpoch * q.config().epochs();
            TrainLoop loop = new TrainLoop(model, q.config(), q.collective(), tokenizer.padId(), metrics -> {
                metricLines.add(toJson(metrics));
                if (bar != null) {
                    bar.onStep(metrics);
                }
                int step = metrics.get("global_step").intValue();
                if (rank0 && q.snapshotEvery() > 0 && step % q.snapshotEvery() == 0 && step < totalSteps) {
                    Path dir = q.workDir().resolve("snapshot-" + step);
                    Checkpoints.saveModel(model, q.initDir(), dir, staging);
                    q.snapshots().written(dir, step);
                    LocalFiles.deleteTree(dir);
                }
            });
            loop.withStaging(staging).withCheckpointer((state, optimizer) -> {
                Path dir = q.workDir().resolve("checkpoint-" + state.globalStep());
                Checkpoints.save(model, q.initDir(), dir, state, optimizer, metricLines, staging);
                if (q.sink() != null) {
                    q.sink().written(dir, state);
                }
                // keep only the newest local checkpoint: it is the last good one whatever happens next
                written.headMap(state.globalStep()).values().forEach(LocalFiles::deleteTree);
                written.headMap(state.globalStep()).clear();
                written.put(state.globalStep(), dir);
            });
            if (q.resumeDir() != null) {
                loop.resumingFrom(TrainLoop.Resume.from(q.resumeDir()));
            }
            TrainLoop.Result result = plan == null ? loop.train(data, rejects) : loop.train(plan, rejects);
            Path modelDir = null;
            if (rank0) {
                modelDir = written.getOrDefault(result.lastCheckpointStep(), q.resumeDir());
            }
            return new Outcome(result, modelDir, metricLines);
        }
    }

    /**
     * A {@link Request#schedule()} as the loop's plan: every distinct row is tokenised and admitted once (a refused
     * row is counted by the rank that holds it in epoch 0, so the counts of all ranks add up to the run's), then the
     * admitted items are grouped by step and ordered by position.
     */
    private static final class ScheduledPlan implements TrainLoop.Plan {
        private final Objective objective;
        private final int stepsPerEpoch;
        private final Map<Long, TreeMap<Integer, Object>> first = new java.util.HashMap<>();
        private final Map<Long, TreeMap<Integer, Object>> second = new java.util.HashMap<>();
        private final java.security.MessageDigest digest;
        private int size;

        private ScheduledPlan(Objective objective, int stepsPerEpoch) {
            this.objective = objective;
            this.stepsPerEpoch = stepsPerEpoch;
            try {
                digest = java.security.MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        static ScheduledPlan of(Request q, TextTokenizer tokenizer, ChatTemplate template, Rejects rejects) {
            TrainConfig config = q.config();
            Schedule schedule = q.schedule();
            if (schedule.slots().size() != q.rows().size()) {
                throw new IllegalArgumentException(
                        q.rows().size() + " rows for " + schedule.slots().size() + " slots");
            }
            ScheduledPlan plan = new ScheduledPlan(config.objective(), schedule.stepsPerEpoch());
            Map<String, List<Integer>> byKey = new java.util.LinkedHashMap<>();
            for (int i = 0; i < q.rows().size(); i++) {
                TextRow r = q.rows().get(i);
                byKey.computeIfAbsent((r.negative() ? "-" : "+") + r.id(), k -> new ArrayList<>())
                        .add(i);
            }
            for (List<Integer> uses : byKey.values()) {
                TextRow row = q.rows().get(uses.get(0));
                Rejects mine = new Rejects();
                TrainData one = tokenize(config, List.of(row), tokenizer, template, mine);
                TrainData admitted = Admission.check(one, config.objective(), config.maxSeqLen(), mine);
                boolean counts =
                        uses.stream().anyMatch(i -> schedule.slots().get(i).epoch() == 0);
                if (counts) {
                    rejects.addAll(mine);
                }
                if (admitted.size() == 0) {
                    continue;
                }
                Object item = admitted instanceof TrainData.Pairs p
                        ? p.rows().get(0)
                        : admitted.sequences().get(0);
                for (int i : uses) {
                    ShardPlan.Slot slot = schedule.slots().get(i);
                    long key = (long) slot.epoch() * plan.stepsPerEpoch + slot.step();
                    (row.negative() ? plan.second : plan.first)
                            .computeIfAbsent(key, k -> new TreeMap<>())
                            .put(slot.position(), item);
                    plan.size++;
                }
            }
            return plan;
        }

        @Override
        public int stepsPerEpoch() {
            return stepsPerEpoch;
        }

        @Override
        @SuppressWarnings("unchecked")
        public TrainData batch(int epoch, int step) {
            long key = (long) epoch * stepsPerEpoch + step;
            List<Object> a =
                    new ArrayList<>(first.getOrDefault(key, new TreeMap<>()).values());
            List<Object> b =
                    new ArrayList<>(second.getOrDefault(key, new TreeMap<>()).values());
            return switch (objective.data()) {
                case EXAMPLES -> new TrainData.Examples((List<TokenizedExample>) (List<?>) a);
                case PAIRS -> new TrainData.Pairs((List<TokenizedPair>) (List<?>) a);
                case UNPAIRED ->
                    new TrainData.Unpaired((List<TokenizedExample>) (List<?>) a, (List<TokenizedExample>) (List<?>) b);
            };
        }

        @Override
        public String fingerprint() {
            java.security.MessageDigest d;
            try {
                d = (java.security.MessageDigest) digest.clone();
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException(e);
            }
            for (Map<Long, TreeMap<Integer, Object>> kind : List.of(first, second)) {
                new TreeMap<>(kind).forEach((key, items) -> {
                    d.update(key.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    d.update(batchOf(items).fingerprint().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                });
            }
            return java.util.HexFormat.of().formatHex(d.digest(), 0, 12);
        }

        @SuppressWarnings("unchecked")
        private TrainData batchOf(TreeMap<Integer, Object> items) {
            List<Object> a = new ArrayList<>(items.values());
            return objective.paired()
                    ? new TrainData.Pairs((List<TokenizedPair>) (List<?>) a)
                    : new TrainData.Examples((List<TokenizedExample>) (List<?>) a);
        }

        @Override
        public int size() {
            return size;
        }
    }

    /** Rows → training data of the objective's kind; refused rows are counted in {@code rejects}. */
    static TrainData tokenize(
            TrainConfig config, List<TextRow> rows, TextTokenizer tokenizer, ChatTemplate template, Rejects rejects) {
        int max = config.maxSeqLen();
        Objective objective = config.objective();
        if (objective.paired()) {
            List<TokenizedPair> pairs = new ArrayList<>(rows.size());
            for (TextRow r : rows) {
                TokenizedPair p = Admission.pair(
                        r.id(),
                        r.prompt(),
                        r.completions().get(0),
                        r.completions().get(1),
                        r.ref(),
                        tokenizer,
                        template,
                        max,
                        rejects);
                if (p != null) {
                    pairs.add(p);
                }
            }
            return new TrainData.Pairs(pairs);
        }
        List<TokenizedExample> positives = new ArrayList<>();
        List<TokenizedExample> negatives = new ArrayList<>();
        for (TextRow r : rows) {
            Admission.Tokenized t =
                    Admission.tokenize(r.id(), r.prompt(), r.completions().get(0), tokenizer, template, max);
            if (!t.ok()) {
                rejects.add(t.reason(), r.id());
            } else {
                (r.negative() ? negatives : positives).add(t.example());
            }
        }
        return objective == Objective.SFT
                ? new TrainData.Examples(positives)
                : new TrainData.Unpaired(positives, negatives);
    }

    static String toJson(Map<String, ?> value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
