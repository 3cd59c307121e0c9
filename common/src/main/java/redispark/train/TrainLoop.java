package redispark.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import redispark.dist.Collective;
import redispark.model.Qwen2Model;
import redispark.train.objective.Redi;
import redispark.train.objective.SequenceLogProbs;
import redispark.train.objective.Sft;

/**
 * The training loop shared by every objective: seeded data order → forward → objective → backward → gradient
 * average across ranks → global-norm clip → AdamW → metrics.
 *
 * <p>Autograd is driven per thread ({@code JniUtils.setGradMode} + {@code JniUtils.backward}) rather than with DJL's
 * {@code GradientCollector}, which allows one open collector per JVM and so breaks two workers in one executor.
 * Each step runs in its own sub-manager and {@link NDScope}; the optimizer runs outside it (stack-probe §1).
 */
public final class TrainLoop {
    private final Qwen2Model model;
    private final TrainConfig config;
    private final Collective collective;
    private final long padId;
    private final StepListener listener;

    /** Receives the metrics of each optimizer step (TRL's metric names where the meaning matches). */
    @FunctionalInterface
    public interface StepListener {
        void onStep(Map<String, Double> metrics);
    }

    /** What a finished run reports. */
    public record Result(int steps, Map<String, Double> lastMetrics) {}

    public TrainLoop(Qwen2Model model, TrainConfig config, Collective collective, long padId, StepListener listener) {
        this.model = model;
        this.config = config;
        this.collective = collective;
        this.padId = padId;
        this.listener = listener;
    }

    /** Stage 1 on this rank's shard of correct traces. */
    public Result sft(List<TokenizedExample> shard) {
        return run(shard, (manager, rows, metrics) -> {
            Batches.Packed batch = Batches.pack(manager, rows, padId);
            SequenceLogProbs logps = Batches.completionLogProbs(model, batch);
            NDArray loss = Sft.loss(logps);
            metrics.put("num_tokens", (double) batch.tokens());
            metrics.put("logps_norm/chosen", (double) logps.perTokenMean().mean().getFloat());
            return loss;
        });
    }

    /** Stage 2 (REDI) on this rank's shard of pairs: chosen and rejected through one forward pass. */
    public Result redi(List<TokenizedPair> shard) {
        return run(shard, (manager, pairs, metrics) -> {
            List<TokenizedExample> rows = new ArrayList<>(pairs.size() * 2);
            pairs.forEach(p -> rows.add(p.chosen()));
            pairs.forEach(p -> rows.add(p.rejected()));
            Batches.Packed batch = Batches.pack(manager, rows, padId);
            SequenceLogProbs all = Batches.completionLogProbs(model, batch);
            SequenceLogProbs chosen = all.rows(0, pairs.size());
            SequenceLogProbs rejected = all.rows(pairs.size(), rows.size());
            NDArray alpha = manager.create((float) config.alpha());
            Redi.PairLoss loss = Redi.loss(chosen, rejected, alpha);
            recordPairMetrics(metrics, chosen, rejected, loss, batch.tokens());
            return loss.mean();
        });
    }

    /** Token-mean negative log-likelihood of the completions (no gradient), e.g. the held-out SFT loss. */
    public double completionLoss(List<TokenizedExample> examples) {
        double nll = 0;
        double tokens = 0;
        for (int from = 0; from < examples.size(); from += config.batchSize()) {
            List<TokenizedExample> rows = examples.subList(from, Math.min(examples.size(), from + config.batchSize()));
            try (NDManager stepManager = model.manager().newSubManager();
                    NDScope scope = new NDScope()) {
                SequenceLogProbs logps = Batches.completionLogProbs(model, Batches.pack(stepManager, rows, padId));
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
            List<TokenizedPair> batch = pairs.subList(from, Math.min(pairs.size(), from + config.batchSize()));
            List<TokenizedExample> rows = new ArrayList<>(batch.size() * 2);
            batch.forEach(p -> rows.add(p.chosen()));
            batch.forEach(p -> rows.add(p.rejected()));
            try (NDManager stepManager = model.manager().newSubManager();
                    NDScope scope = new NDScope()) {
                SequenceLogProbs all = Batches.completionLogProbs(model, Batches.pack(stepManager, rows, padId));
                chosen += all.rows(0, batch.size()).perTokenMean().sum().getFloat();
                rejected += all.rows(batch.size(), rows.size()).perTokenMean().sum().getFloat();
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("logps_norm/chosen", chosen / pairs.size());
        out.put("logps_norm/rejected", rejected / pairs.size());
        out.put("rewards/margins", (chosen - rejected) / pairs.size());
        return out;
    }

    private static void recordPairMetrics(
            Map<String, Double> metrics, SequenceLogProbs chosen, SequenceLogProbs rejected, Redi.PairLoss loss,
            int tokens) {
        // REDI has no reference model: its implicit reward is the length-normalised log-likelihood.
        NDArray margins = loss.chosenNorm().sub(loss.rejectedNorm());
        metrics.put("loss/pos", (double) loss.chosenNorm().neg().mean().getFloat());
        metrics.put("loss/neg", (double) loss.perPair().add(loss.chosenNorm()).mean().getFloat());
        metrics.put("logps/chosen", (double) chosen.sums().mean().getFloat());
        metrics.put("logps/rejected", (double) rejected.sums().mean().getFloat());
        metrics.put("logps_norm/chosen", (double) loss.chosenNorm().mean().getFloat());
        metrics.put("logps_norm/rejected", (double) loss.rejectedNorm().mean().getFloat());
        metrics.put("rewards/chosen", (double) loss.chosenNorm().mean().getFloat());
        metrics.put("rewards/rejected", (double) loss.rejectedNorm().mean().getFloat());
        metrics.put("rewards/margins", (double) margins.mean().getFloat());
        metrics.put("rewards/accuracies", (double) margins.gt(0).toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                .mean().getFloat());
        metrics.put("lengths/chosen", (double) chosen.counts().mean().getFloat());
        metrics.put("lengths/rejected", (double) rejected.counts().mean().getFloat());
        metrics.put("num_tokens", (double) tokens);
    }

    @FunctionalInterface
    private interface StepLoss<T> {
        NDArray loss(NDManager stepManager, List<T> rows, Map<String, Double> metrics);
    }

    private <T> Result run(List<T> shard, StepLoss<T> stepLoss) {
        if (shard.isEmpty()) {
            throw new IllegalArgumentException("nothing to train on: the " + config.objective().label()
                    + " shard of rank " + collective.rank() + " is empty");
        }
        int localBatch = Math.max(1, config.batchSize() / collective.worldSize());
        int stepsPerEpoch = (shard.size() + localBatch - 1) / localBatch;
        int totalSteps = stepsPerEpoch * config.epochs();
        LrSchedule schedule = LrSchedule.of(config.learningRate(), config.warmupRatio(), totalSteps);
        Map<String, NDArray> parameters = model.parameters();
        Map<String, Double> metrics = Map.of();
        long started = System.nanoTime();
        double tokensSeen = 0;
        try (AdamW optimizer = AdamW.standard(model.manager(), config.weightDecay())) {
            int step = 0;
            for (int epoch = 0; epoch < config.epochs(); epoch++) {
                List<T> order = new ArrayList<>(shard);
                Collections.shuffle(order, new Random(config.seed() * 1_000_003L + epoch));
                for (int from = 0; from < order.size(); from += localBatch, step++) {
                    List<T> rows = order.subList(from, Math.min(order.size(), from + localBatch));
                    metrics = new LinkedHashMap<>();
                    double loss = forwardBackward(stepLoss, rows, metrics);
                    double gradNorm = averageAndClip(parameters);
                    double lr = schedule.at(step);
                    Map<String, NDArray> gradients = gradients(parameters);
                    double updateNorm;
                    try {
                        updateNorm = optimizer.step(parameters, gradients, lr);
                    } finally {
                        gradients.values().forEach(NDArray::close);
                    }
                    parameters.values().forEach(w -> JniUtils.zeroGrad((PtNDArray) w));
                    tokensSeen += metrics.getOrDefault("num_tokens", 0.0);
                    double seconds = (System.nanoTime() - started) / 1e9;
                    metrics.put("loss", loss);
                    metrics.put("grad_norm", gradNorm);
                    metrics.put("update_norm", updateNorm);
                    metrics.put("learning_rate", lr);
                    metrics.put("tokens_per_sec", tokensSeen / Math.max(seconds, 1e-9));
                    metrics.put("epoch", epoch + (double) (from + rows.size()) / order.size());
                    metrics.put("global_step", (double) (step + 1));
                    if (!Double.isFinite(loss)) {
                        throw new IllegalStateException("loss is " + loss + " at step " + (step + 1));
                    }
                    listener.onStep(metrics);
                }
            }
            return new Result(step, metrics);
        }
    }

    private <T> double forwardBackward(StepLoss<T> stepLoss, List<T> rows, Map<String, Double> metrics) {
        try (NDManager stepManager = model.manager().newSubManager();
                NDScope scope = new NDScope()) {
            JniUtils.setGradMode(true);
            try {
                NDArray loss = stepLoss.loss(stepManager, rows, metrics);
                JniUtils.backward((PtNDArray) loss, (PtNDArray) loss.onesLike(), false, false);
                return loss.getFloat();
            } finally {
                JniUtils.setGradMode(false);
            }
        }
    }

    /** Averages gradients over ranks (sum / world), then scales them to the clip norm; returns the norm before. */
    private double averageAndClip(Map<String, NDArray> parameters) {
        double squares = 0;
        for (NDArray w : parameters.values()) {
            try (NDArray g = w.getGradient()) {
                if (collective.worldSize() > 1) {
                    float[] values = g.toFloatArray();
                    collective.allReduceSum(values);
                    for (int i = 0; i < values.length; i++) {
                        values[i] /= collective.worldSize();
                    }
                    g.set(values);
                }
                try (NDScope scope = new NDScope()) {
                    squares += g.square().sum().getFloat();
                }
            }
        }
        double norm = Math.sqrt(squares);
        if (config.gradClip() > 0 && norm > config.gradClip()) {
            float scale = (float) (config.gradClip() / (norm + 1e-6));
            for (NDArray w : parameters.values()) {
                try (NDArray g = w.getGradient()) {
                    g.muli(scale);
                }
            }
        }
        return norm;
    }

    private static Map<String, NDArray> gradients(Map<String, NDArray> parameters) {
        Map<String, NDArray> gradients = new LinkedHashMap<>();
        parameters.forEach((name, w) -> gradients.put(name, w.getGradient()));
        return gradients;
    }
}
