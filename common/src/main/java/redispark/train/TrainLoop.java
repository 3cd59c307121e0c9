package redispark.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redispark.dist.Collective;
import redispark.dist.Replicas;
import redispark.model.HostStaging;
import redispark.model.KernelPath;
import redispark.model.Qwen2Model;
import redispark.train.objective.Dpo;
import redispark.train.objective.Objective;
import redispark.train.objective.PairLoss;
import redispark.train.objective.Redi;
import redispark.train.objective.RediUnpaired;
import redispark.train.objective.SequenceLogProbs;
import redispark.train.objective.Sft;
import redispark.train.objective.SimPo;

/**
 * The training loop shared by every objective: admission → seeded data order → per step, micro-batches of forward
 * → objective → backward (gradient accumulation) → gradient average across ranks → global-norm clip → AdamW →
 * metrics, collapse alarm, checkpoints.
 *
 * <p>Only {@link #microLoss} knows the objectives: given the per-sequence completion log-probs of a micro-batch
 * (chosen and rejected, or positives and negatives), it calls the objective's pure function and scales the result so
 * that the micro-batches of a step add up to the step's loss: SFT divides by the step's completion tokens, pair
 * objectives by its pairs, unpaired REDI each term by its positives or negatives. The log-probs come from one of two
 * paths ({@code train.path}): the compiled layer kernel, with chunked log-probs and token-budget forward groups
 * ({@link KernelPath}), or the eager reference model, one padded forward per micro-batch with full logits.
 *
 * <p>Autograd is driven per thread ({@code JniUtils.setGradMode} + {@code JniUtils.backward}) rather than with DJL's
 * {@code GradientCollector}, which allows one open collector per JVM and so breaks two workers in one executor.
 * Each micro-batch runs in its own sub-manager and {@link NDScope}; the optimizer runs outside it,
 * so a step's intermediates are freed when its micro-batch ends and the weights' manager never grows.
 */
public final class TrainLoop {
    private static final Logger LOG = LoggerFactory.getLogger(TrainLoop.class);

    private final Qwen2Model model;
    private final TrainConfig config;
    private final Collective collective;
    private final long padId;
    private final StepListener listener;
    /** The compiled-kernel path, or null when the eager reference model trains. */
    private final KernelPath kernelPath;

    private Checkpointer checkpointer = (state, optimizer) -> {};
    private HostStaging staging;
    private Resume resume;

    /** Receives the metrics of each optimizer step (TRL's metric names where the meaning matches). */
    @FunctionalInterface
    public interface StepListener {
        void onStep(Map<String, Double> metrics);
    }

    /** Writes a checkpoint (model, optimizer, state) when the loop asks for one; only rank 0 is asked. */
    @FunctionalInterface
    public interface Checkpointer {
        void write(TrainerState state, AdamW optimizer);
    }

    /** Where to continue from: a checkpoint's trainer state and its optimizer file (the model is loaded from it). */
    public record Resume(TrainerState state, Path optimizerFile) {
        public static Resume from(Path checkpointDir) {
            return new Resume(Checkpoints.state(checkpointDir), checkpointDir.resolve(Checkpoints.OPTIMIZER));
        }
    }

    /**
     * The batches of a run as this rank sees them: a fixed number of steps per epoch (the same on every rank) and
     * this rank's share of each global step, which may be empty. Every rank runs exactly
     * {@code stepsPerEpoch() * epochs} optimizer steps, so no rank leaves a collective early.
     */
    public interface Plan {
        int stepsPerEpoch();

        /** This rank's items of step {@code step} of epoch {@code epoch}. */
        TrainData batch(int epoch, int step);

        /** Hash of this rank's share of the data: a resume on other data is an error. */
        String fingerprint();

        /** Items this rank trains on (0 means nothing anywhere only if every rank says so). */
        int size();
    }

    /** Why a run ended. */
    public enum StopReason {
        FINISHED,
        MAX_STEPS,
        COLLAPSE;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * What a finished run reports.
     *
     * @param steps optimizer steps done (counting steps before a resume)
     * @param lastCheckpointStep step of the last checkpoint written, -1 when none; after a collapse stop this is the
     *     last good one
     */
    public record Result(
            int steps,
            Map<String, Double> lastMetrics,
            StopReason stopReason,
            int lastCheckpointStep,
            Rejects rejects,
            List<String> warnings) {}

    public TrainLoop(Qwen2Model model, TrainConfig config, Collective collective, long padId, StepListener listener) {
        this.model = model;
        this.config = config;
        this.collective = collective;
        this.padId = padId;
        this.listener = listener;
        this.kernelPath = config.compute().path() == StepCompute.TrainPath.KERNEL
                ? new KernelPath(model, config.compute().kernelOptions())
                : null;
    }

    /**
     * The host staging this loop's gradient exchange and weight hashes use (the caller keeps owning it and may write
     * checkpoints through it); without one the loop makes its own from {@code train.dist.staging}.
     */
    public TrainLoop withStaging(HostStaging s) {
        this.staging = s;
        return this;
    }

    public TrainLoop withCheckpointer(Checkpointer c) {
        this.checkpointer = c;
        return this;
    }

    public TrainLoop resumingFrom(Resume r) {
        this.resume = r;
        return this;
    }

    public TrainConfig config() {
        return config;
    }

    /** Stage 1 on this rank's shard of correct traces. */
    public Result sft(List<TokenizedExample> shard) {
        return train(new TrainData.Examples(shard), new Rejects());
    }

    /** Stage 2 on pairs (REDI, DPO or SimPO, per the config): chosen and rejected through one forward pass. */
    public Result pairs(List<TokenizedPair> shard) {
        return train(new TrainData.Pairs(shard), new Rejects());
    }

    /** Stage 2, unpaired REDI: every positive and every negative. */
    public Result unpaired(List<TokenizedExample> positives, List<TokenizedExample> negatives) {
        return train(new TrainData.Unpaired(positives, negatives), new Rejects());
    }

    /**
     * Trains on {@code data} (this rank's shard) after {@link Admission#check}; {@code rejects} already holds what
     * was refused before tokenisation and receives the rest.
     */
    private Result run(Plan plan, Rejects rejects) {
        if (staging != null) {
            return new Run(plan, rejects).go();
        }
        try (HostStaging own = new HostStaging(config.compute().staging(), HostStaging.DEFAULT_BUFFER_BYTES)) {
            staging = own;
            return new Run(plan, rejects).go();
        } finally {
            staging = null;
        }
    }

    public Result train(TrainData data, Rejects rejects) {
        Objective objective = config.objective();
        if (data.kind() != objective.data()) {
            throw new IllegalArgumentException(
                    objective.label() + " trains on " + objective.data() + ", got " + data.kind());
        }
        TrainData admitted = Admission.check(data, objective, config.maxSeqLen(), rejects);
        if (admitted.size() == 0) {
            throw new IllegalArgumentException("nothing to train on: the " + objective.label() + " shard of rank "
                    + collective.rank() + " is empty" + (rejects.total() > 0 ? " (rejected: " + rejects + ")" : ""));
        }
        if (admitted instanceof TrainData.Unpaired u
                && (u.positives().isEmpty() || u.negatives().isEmpty())) {
            throw new IllegalArgumentException("redi-unpaired needs positives and negatives, got "
                    + u.positives().size() + " and " + u.negatives().size());
        }
        int localBatch = Math.max(1, config.batchSize() / collective.worldSize());
        Plan plan = new Plan() {
            List<TrainData> order;
            int orderEpoch = -1;

            @Override
            public int stepsPerEpoch() {
                return admitted.stepsPerEpoch(localBatch);
            }

            @Override
            public TrainData batch(int epoch, int step) {
                if (orderEpoch != epoch) {
                    order = admitted.epoch(config.recipe().seed(), epoch, localBatch);
                    orderEpoch = epoch;
                }
                return order.get(step);
            }

            @Override
            public String fingerprint() {
                return admitted.fingerprint();
            }

            @Override
            public int size() {
                return admitted.size();
            }
        };
        return run(plan, rejects);
    }

    /**
     * Trains on a plan fixed in advance (by the Spark driver: {@link redispark.dist.ShardPlan}), with items already
     * admitted; the step count must be the same on every rank. Fails on every rank alike when no rank has an item.
     */
    public Result train(Plan plan, Rejects rejects) {
        double items = collective.allReduceSum((double) plan.size());
        if (items == 0) {
            throw new IllegalArgumentException("nothing to train on: no rank has a "
                    + config.objective().label()
                    + " item"
                    + (rejects.total() > 0 ? " (rejected on rank " + collective.rank() + ": " + rejects + ")" : ""));
        }
        return run(plan, rejects);
    }

    /** One run's mutable state: cursor, counters, optimizer. */
    private final class Run {
        final Plan plan;
        final Rejects rejects;
        final int stepsPerEpoch;
        final int totalSteps;
        final LrSchedule schedule;
        final String fingerprint;
        final CollapseAlarm alarm = new CollapseAlarm(config.collapse());
        final List<String> warnings = new ArrayList<>();
        int step;
        int cursorEpoch;
        int cursorStep;
        long numTokens;
        int lastCheckpoint = -1;

        final Replicas replicas;
        List<String> replicaHashes = List.of();
        double commSeconds;

        Run(Plan plan, Rejects rejects) {
            this.plan = plan;
            this.rejects = rejects;
            this.stepsPerEpoch = plan.stepsPerEpoch();
            this.totalSteps = stepsPerEpoch * config.epochs();
            this.schedule = LrSchedule.of(config.learningRate(), config.recipe().warmupRatio(), totalSteps);
            this.replicas = new Replicas(model.parameters(), collective, staging);
            this.fingerprint = replicas.sameEverywhere("data fingerprint", plan.fingerprint(), false);
            replicas.sameEverywhere("steps per epoch", Integer.toString(stepsPerEpoch), true);
        }

        Result go() {
            Map<String, NDArray> parameters = model.parameters();
            Map<String, Double> metrics = Map.of();
            long started = System.nanoTime();
            long sessionTokens = 0;
            try (AdamW optimizer =
                    AdamW.standard(model.manager(), config.recipe().weightDecay())) {
                if (resume != null) {
                    restore(optimizer);
                }
                replicaHashes = replicas.checkIdentical("at step " + step); // same start: rank 0's or a checkpoint
                if (resume == null && config.collapse().action() == CollapseAlarm.Action.STOP) {
                    checkpoint(optimizer, false, null); // step 0: a good state to fall back to
                }
                while (cursorEpoch < config.epochs()) {
                    TrainData batch = plan.batch(cursorEpoch, cursorStep);
                    long stepStart = System.nanoTime();
                    StepMetrics means = new StepMetrics();
                    Totals totals = Totals.of(batch).global(collective);
                    double loss = 0;
                    List<TrainData> micros = batch.micro(config.recipe().microBatchSize());
                    for (TrainData micro : micros) {
                        loss += forwardBackward(micro, totals, means);
                    }
                    if (micros.isEmpty()) {
                        replicas.zeroGradients(); // this rank has no item in this step: it adds nothing
                    }
                    long commStart = System.nanoTime();
                    replicas.sumGradients();
                    double stepComm = (System.nanoTime() - commStart) / 1e9;
                    commSeconds += stepComm;
                    double[] shared = means.allReduce(collective, loss, batch.tokens());
                    loss = shared[0];
                    long batchTokens = (long) shared[1];
                    double gradNorm = clip(parameters);
                    double lr = schedule.at(step);
                    Map<String, NDArray> gradients = gradients(parameters);
                    double updateNorm;
                    try {
                        updateNorm = optimizer.step(parameters, gradients, lr);
                    } finally {
                        gradients.values().forEach(NDArray::close);
                    }
                    parameters.values().forEach(w -> JniUtils.zeroGrad((PtNDArray) w));
                    numTokens += batchTokens;
                    sessionTokens += batchTokens;
                    step++;
                    advanceCursor(stepsPerEpoch);
                    metrics = stepMetrics(means, loss, gradNorm, updateNorm, lr, stepStart, started, sessionTokens);
                    if (collective.worldSize() > 1) {
                        metrics.put("comm_time", stepComm);
                        metrics.put("comm_wait_time", replicas.lastWaitNanos() / 1e9);
                    }
                    if (!Double.isFinite(loss)) { // the global loss: every rank stops here together
                        throw new IllegalStateException("loss is " + loss + " at step " + step);
                    }
                    // every rank sees the same global metrics; the vote keeps the decision collective regardless
                    boolean collapsed = collective.allReduceSum(watch(metrics, lr) ? 1.0 : 0.0) > 0;
                    listener.onStep(metrics);
                    if (collapsed && config.collapse().action() == CollapseAlarm.Action.STOP) {
                        return result(metrics, StopReason.COLLAPSE);
                    }
                    if (step == totalSteps) {
                        break;
                    }
                    if (config.maxSteps() > 0 && step >= config.maxSteps()) {
                        checkpoint(optimizer, false, StopReason.MAX_STEPS);
                        return result(metrics, StopReason.MAX_STEPS);
                    }
                    if (config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0) {
                        checkpoint(optimizer, false, null);
                    }
                }
                checkpoint(optimizer, true, StopReason.FINISHED);
                return result(metrics, StopReason.FINISHED);
            }
        }

        private void restore(AdamW optimizer) {
            TrainerState s = resume.state();
            if (!config.resumableFrom(s.config())) {
                throw new IllegalArgumentException(
                        "cannot resume: the checkpoint was trained with " + s.config() + ", this run has " + config);
            }
            if (!fingerprint.equals(s.dataFingerprint())
                    || s.totalSteps() != totalSteps
                    || s.worldSize() != collective.worldSize()) {
                throw new IllegalArgumentException(
                        "cannot resume: the checkpoint was trained on other data (fingerprint "
                                + s.dataFingerprint() + ", " + s.totalSteps() + " steps, world " + s.worldSize()
                                + "), this run has "
                                + fingerprint + ", " + totalSteps + " steps, world " + collective.worldSize());
            }
            optimizer.load(resume.optimizerFile());
            step = s.globalStep();
            cursorEpoch = s.cursorEpoch();
            cursorStep = s.cursorStep();
            numTokens = s.numTokens();
            lastCheckpoint = s.globalStep();
            warnings.addAll(s.warnings());
            LOG.info(
                    "resuming {} at step {}/{} (epoch {}, batch {})",
                    config.objective().label(),
                    step,
                    totalSteps,
                    cursorEpoch,
                    cursorStep);
        }

        private void advanceCursor(int batchesInEpoch) {
            if (++cursorStep == batchesInEpoch) {
                cursorEpoch++;
                cursorStep = 0;
            }
        }

        private Map<String, Double> stepMetrics(
                StepMetrics means,
                double loss,
                double gradNorm,
                double updateNorm,
                double lr,
                long stepStart,
                long started,
                long sessionTokens) {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("loss", loss);
            Map<String, Double> avg = means.means();
            m.putAll(avg);
            if (avg.containsKey("rewards/chosen") && avg.containsKey("rewards/rejected")) {
                m.put("rewards/margins", avg.get("rewards/chosen") - avg.get("rewards/rejected"));
            }
            double now = System.nanoTime();
            m.put("grad_norm", gradNorm);
            m.put("update_norm", updateNorm);
            m.put("learning_rate", lr);
            m.put("num_tokens", (double) numTokens);
            m.put("tokens_per_sec", sessionTokens / Math.max((now - started) / 1e9, 1e-9));
            m.put("step_time", (now - stepStart) / 1e9);
            m.put("epoch", (double) step / stepsPerEpoch);
            m.put("global_step", (double) step);
            return m;
        }

        /** Feeds the collapse alarm; returns whether it fired. */
        private boolean watch(Map<String, Double> m, double lr) {
            if (!config.objective().hasNegatives()
                    || config.collapse().action() == CollapseAlarm.Action.OFF
                    || !m.containsKey("logps_norm/chosen")
                    || !m.containsKey("logps_norm/rejected")) {
                return false; // an unpaired step may lack one kind; the alarm waits for a step with both
            }
            CollapseAlarm.Reading r = alarm.observe(
                    m.get("logps_norm/chosen"),
                    m.get("logps_norm/rejected"),
                    m.get("update_norm"),
                    Math.max(lr, 1e-30));
            CollapseAlarm.record(r, m);
            if (r.startsEvent()) { // one warning per event, not one per step it lasts
                String message = r.describe(step, config.collapse());
                warnings.add(message);
                LOG.warn(
                        "{}{}",
                        message,
                        config.collapse().action() == CollapseAlarm.Action.STOP
                                ? "; stopping and keeping the checkpoint of step " + lastCheckpoint
                                : "");
            }
            return r.fired();
        }

        /** @param reason why the run ends here, or null for a checkpoint along the way */
        private void checkpoint(AdamW optimizer, boolean finished, StopReason reason) {
            replicaHashes = replicas.checkIdentical("at step " + step);
            if (collective.rank() == 0) {
                checkpointer.write(state(finished, reason), optimizer);
            }
            lastCheckpoint = step;
        }

        private TrainerState state(boolean finished, StopReason reason) {
            return new TrainerState(
                    step,
                    totalSteps,
                    stepsPerEpoch,
                    (double) step / stepsPerEpoch,
                    cursorEpoch,
                    cursorStep,
                    config.recipe().seed(),
                    fingerprint,
                    numTokens,
                    collective.worldSize(),
                    finished,
                    reason == null ? "running" : reason.label(),
                    List.copyOf(warnings),
                    rejects.counts(),
                    config,
                    replicaHashes);
        }

        private Result result(Map<String, Double> metrics, StopReason reason) {
            if (collective.worldSize() > 1) {
                LOG.info("rank {}: {} s of {} steps in the gradient all-reduce", collective.rank(), commSeconds, step);
            }
            return new Result(step, metrics, reason, lastCheckpoint, rejects, List.copyOf(warnings));
        }
    }

    /** What a step's micro-batches divide by so that they add up to the step's loss. */
    private record Totals(long completionTokens, int pairs, int positives, int negatives) {
        static Totals of(TrainData step) {
            if (step instanceof TrainData.Examples e) {
                return new Totals(
                        e.rows().stream()
                                .mapToLong(TokenizedExample::completionLength)
                                .sum(),
                        0,
                        0,
                        0);
            } else if (step instanceof TrainData.Pairs p) {
                return new Totals(0, p.rows().size(), 0, 0);
            }
            TrainData.Unpaired u = (TrainData.Unpaired) step;
            return new Totals(0, 0, u.positives().size(), u.negatives().size());
        }

        /** The totals of the whole step over all ranks: each rank's loss is its share of the global mean. */
        Totals global(Collective c) {
            if (c.worldSize() == 1) {
                return this;
            }
            double[] v = {completionTokens, pairs, positives, negatives};
            c.allReduceSum(v);
            return new Totals((long) v[0], (int) v[1], (int) v[2], (int) v[3]);
        }
    }

    private double forwardBackward(TrainData micro, Totals totals, StepMetrics metrics) {
        if (kernelPath != null) {
            return kernelForwardBackward(micro, totals, metrics);
        }
        try (NDManager stepManager = model.manager().newSubManager();
                NDScope scope = new NDScope()) {
            JniUtils.setGradMode(true);
            try {
                SequenceLogProbs all =
                        Batches.completionLogProbs(model, Batches.pack(stepManager, micro.sequences(), padId));
                NDArray loss = microLoss(stepManager, micro, all, totals, metrics);
                JniUtils.backward((PtNDArray) loss, (PtNDArray) loss.onesLike(), false, false);
                return loss.getFloat();
            } finally {
                JniUtils.setGradMode(false);
            }
        }
    }

    /**
     * The kernel path: the objective sees the per-sequence sums as a leaf; its gradient there gives each sequence's
     * coefficient, and the model's backward runs sequence group by sequence group with those coefficients. A loss
     * linear in the sums (SFT, REDI) needs no extra pass: its coefficients do not depend on the sums, so they are
     * taken at zero sums and the metrics from the sums the backward pass returns. DPO and SimPO first run a no-grad
     * pass for the sums.
     */
    private double kernelForwardBackward(TrainData micro, Totals totals, StepMetrics metrics) {
        List<TokenizedExample> rows = micro.sequences();
        boolean linear = config.objective().linearInLogProbs();
        double[] sums = linear ? new double[rows.size()] : sequenceSums(rows, null);
        float[] coefficients;
        double loss;
        try (NDManager m = model.manager().newSubManager();
                NDScope scope = new NDScope()) {
            JniUtils.setGradMode(true);
            try {
                NDArray leaf = m.create(toFloats(sums));
                leaf.setRequiresGradient(true);
                NDArray l = microLoss(
                        m,
                        micro,
                        new SequenceLogProbs(leaf, completionCounts(m, rows)),
                        totals,
                        linear ? new StepMetrics() : metrics);
                JniUtils.backward((PtNDArray) l, (PtNDArray) l.onesLike(), false, false);
                try (NDArray g = leaf.getGradient()) {
                    coefficients = g.toFloatArray();
                }
                loss = l.getFloat();
            } finally {
                JniUtils.setGradMode(false);
            }
        }
        double[] computed = sequenceSums(rows, coefficients);
        if (!linear) {
            return loss;
        }
        try (NDManager m = model.manager().newSubManager();
                NDScope scope = new NDScope()) {
            SequenceLogProbs all = new SequenceLogProbs(m.create(toFloats(computed)), completionCounts(m, rows));
            return microLoss(m, micro, all, totals, metrics).getFloat();
        }
    }

    /**
     * Completion log-prob sums of {@code rows} through the kernel path, one token-budget group at a time; with
     * {@code coefficients} (one per row) each group's backward adds Σ coefficient · sum to the gradients.
     */
    private double[] sequenceSums(List<TokenizedExample> rows, float[] coefficients) {
        double[] sums = new double[rows.size()];
        for (int[] group : Batches.byTokenBudget(rows, config.compute().maxTokensPerMicroBatch())) {
            List<long[]> sequences = new ArrayList<>(group.length);
            int[] prompts = new int[group.length];
            float[] coef = coefficients == null ? null : new float[group.length];
            for (int i = 0; i < group.length; i++) {
                TokenizedExample e = rows.get(group[i]);
                sequences.add(e.tokens());
                prompts[i] = e.promptLength();
                if (coef != null) {
                    coef[i] = coefficients[group[i]];
                }
            }
            try (NDManager m = model.manager().newSubManager();
                    NDScope scope = new NDScope()) {
                double[] s = kernelPath.completionLogProbs(m, sequences, prompts, coef);
                for (int i = 0; i < group.length; i++) {
                    sums[group[i]] = s[i];
                }
            }
        }
        return sums;
    }

    private static NDArray completionCounts(NDManager m, List<TokenizedExample> rows) {
        float[] counts = new float[rows.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = rows.get(i).completionLength();
        }
        return m.create(counts);
    }

    private static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    /** Per-sequence completion log-probs without gradient, through whichever path trains. */
    private SequenceLogProbs logProbs(NDManager m, List<TokenizedExample> rows) {
        if (kernelPath != null) {
            return new SequenceLogProbs(m.create(toFloats(sequenceSums(rows, null))), completionCounts(m, rows));
        }
        return Batches.completionLogProbs(model, Batches.pack(m, rows, padId));
    }

    /** The micro-batch's share of the step loss (the one place that knows the objectives). */
    private NDArray microLoss(NDManager m, TrainData micro, SequenceLogProbs all, Totals totals, StepMetrics metrics) {
        return switch (config.objective()) {
            case SFT -> {
                metrics.addAll("logps/chosen", all.sums());
                metrics.addAll("logps_norm/chosen", all.perTokenMean());
                metrics.addAll("lengths/chosen", all.counts());
                yield Sft.loss(all, scalar(m, totals.completionTokens()));
            }
            case REDI, DPO, SIMPO -> pairLoss(m, (TrainData.Pairs) micro, all, totals, metrics);
            case REDI_UNPAIRED -> unpairedLoss(m, (TrainData.Unpaired) micro, all, totals, metrics);
        };
    }

    private NDArray pairLoss(
            NDManager m, TrainData.Pairs micro, SequenceLogProbs all, Totals totals, StepMetrics metrics) {
        int n = micro.rows().size();
        SequenceLogProbs chosen = all.rows(0, n); // micro.sequences() is [chosen…; rejected…]
        SequenceLogProbs rejected = all.rows(n, 2 * n);
        Recipe r = config.recipe();
        PairLoss loss = switch (config.objective()) {
            case REDI -> Redi.loss(chosen, rejected, scalar(m, r.alpha()));
            case DPO -> Dpo.loss(chosen, rejected, refs(m, micro, true), refs(m, micro, false), scalar(m, r.beta()));
            case SIMPO -> SimPo.loss(chosen, rejected, scalar(m, r.beta()), scalar(m, r.gamma()));
            case SFT, REDI_UNPAIRED -> throw new IllegalStateException(config.objective() + " is not a pair loss");
        };
        pairMetrics(metrics, chosen, rejected, loss);
        if (config.objective() == Objective.REDI) {
            metrics.addAll("loss/pos", chosen.perTokenMean().neg());
            metrics.addAll("loss/neg", loss.perPair().add(chosen.perTokenMean()));
        } else if (config.objective() == Objective.DPO) {
            metrics.addAll("ref_logps/chosen", refs(m, micro, true));
            metrics.addAll("ref_logps/rejected", refs(m, micro, false));
        }
        metrics.addTotal("count/pairs", n);
        return loss.perPair().sum().div(scalar(m, totals.pairs()));
    }

    private NDArray unpairedLoss(
            NDManager m, TrainData.Unpaired micro, SequenceLogProbs all, Totals totals, StepMetrics metrics) {
        int p = micro.positives().size();
        SequenceLogProbs positives = all.rows(0, p);
        SequenceLogProbs negatives = all.rows(p, micro.size());
        RediUnpaired.UnpairedLoss loss = RediUnpaired.loss(positives, negatives, scalar(m, config.alpha()));
        metrics.addAll("loss/pos", loss.perPositive());
        metrics.addAll("loss/neg", loss.perNegative());
        metrics.addAll("logps/chosen", positives.sums());
        metrics.addAll("logps/rejected", negatives.sums());
        metrics.addAll("logps_norm/chosen", loss.positiveRewards());
        metrics.addAll("logps_norm/rejected", loss.negativeRewards());
        metrics.addAll("rewards/chosen", loss.positiveRewards());
        metrics.addAll("rewards/rejected", loss.negativeRewards());
        metrics.addAll("lengths/chosen", positives.counts());
        metrics.addAll("lengths/rejected", negatives.counts());
        metrics.addTotal("count/pos", p);
        metrics.addTotal("count/neg", micro.negatives().size());
        // a step with few positives (or negatives) may have none of them: that term is then absent, not 0/0
        NDArray positiveTerm =
                totals.positives() == 0 ? null : loss.perPositive().sum().div(scalar(m, totals.positives()));
        NDArray negativeTerm =
                totals.negatives() == 0 ? null : loss.perNegative().sum().div(scalar(m, totals.negatives()));
        return positiveTerm == null
                ? negativeTerm
                : negativeTerm == null ? positiveTerm : positiveTerm.add(negativeTerm);
    }

    private static void pairMetrics(
            StepMetrics metrics, SequenceLogProbs chosen, SequenceLogProbs rejected, PairLoss loss) {
        metrics.addAll("logps/chosen", chosen.sums());
        metrics.addAll("logps/rejected", rejected.sums());
        metrics.addAll("logps_norm/chosen", chosen.perTokenMean());
        metrics.addAll("logps_norm/rejected", rejected.perTokenMean());
        metrics.addAll("rewards/chosen", loss.chosenRewards());
        metrics.addAll("rewards/rejected", loss.rejectedRewards());
        metrics.addAll("rewards/accuracies", loss.margins().gt(0).toType(DataType.FLOAT32, false));
        metrics.addAll("lengths/chosen", chosen.counts());
        metrics.addAll("lengths/rejected", rejected.counts());
    }

    /**
     * A 0-d float32 constant in the step's manager. Never pass a Java {@code Number} to {@code mul/div/pow} on the
     * gradient path: DJL wraps it in a temporary tensor over a direct buffer and frees it right after the op, while
     * autograd still holds it, so the backward pass can read freed memory (NaN or huge gradients at a random step).
     * A tensor owned by the step's manager lives until after backward.
     */
    private static NDArray scalar(NDManager m, double value) {
        return m.create((float) value);
    }

    private static NDArray refs(NDManager m, TrainData.Pairs micro, boolean chosen) {
        float[] v = new float[micro.rows().size()];
        for (int i = 0; i < v.length; i++) {
            RefLogProbs r = micro.rows().get(i).ref();
            v[i] = (float) (chosen ? r.chosen() : r.rejected());
        }
        return m.create(v);
    }

    /** Token-mean negative log-likelihood of the completions (no gradient), e.g. the held-out SFT loss. */
    public double completionLoss(List<TokenizedExample> examples) {
        double nll = 0;
        double tokens = 0;
        for (int from = 0; from < examples.size(); from += config.batchSize()) {
            List<TokenizedExample> rows = examples.subList(from, Math.min(examples.size(), from + config.batchSize()));
            try (NDManager stepManager = model.manager().newSubManager();
                    NDScope scope = new NDScope()) {
                SequenceLogProbs logps = logProbs(stepManager, rows);
                nll -= logps.sums().sum().getFloat();
                tokens += logps.counts().sum().getFloat();
            }
        }
        return nll / tokens;
    }

    /** Mean per-token log-prob of chosen and rejected and their margin over all pairs (no gradient). */
    public Map<String, Double> pairMargins(List<TokenizedPair> pairs) {
        double chosen = 0;
        double rejected = 0;
        for (int from = 0; from < pairs.size(); from += config.batchSize()) {
            TrainData.Pairs batch =
                    new TrainData.Pairs(pairs.subList(from, Math.min(pairs.size(), from + config.batchSize())));
            try (NDManager stepManager = model.manager().newSubManager();
                    NDScope scope = new NDScope()) {
                SequenceLogProbs all = logProbs(stepManager, batch.sequences());
                int n = batch.rows().size();
                chosen += all.rows(0, n).perTokenMean().sum().getFloat();
                rejected += all.rows(n, 2 * n).perTokenMean().sum().getFloat();
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("logps_norm/chosen", chosen / pairs.size());
        out.put("logps_norm/rejected", rejected / pairs.size());
        out.put("rewards/margins", (chosen - rejected) / pairs.size());
        return out;
    }

    /** Scales the (already summed) gradients to the clip norm; returns the norm before. */
    private double clip(Map<String, NDArray> parameters) {
        double squares = 0;
        for (NDArray w : parameters.values()) {
            try (NDArray g = w.getGradient();
                    NDScope scope = new NDScope()) {
                squares += g.square().sum().getFloat();
            }
        }
        double norm = Math.sqrt(squares);
        if (config.recipe().gradClip() > 0 && norm > config.recipe().gradClip()) {
            float scale = (float) (config.recipe().gradClip() / (norm + 1e-6));
            for (NDArray w : parameters.values()) {
                try (NDArray g = w.getGradient()) {
                    g.muli(scale);
                }
            }
        }
        return norm;
    }

    /** Gives every parameter a zero gradient (a rank without items in a step still joins its all-reduce). */
    private static Map<String, NDArray> gradients(Map<String, NDArray> parameters) {
        Map<String, NDArray> gradients = new LinkedHashMap<>();
        parameters.forEach((name, w) -> gradients.put(name, w.getGradient()));
        return gradients;
    }
}
