package redispark.train.objective;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Evaluates an objective on float64 inputs and differentiates it with respect to the log-prob sums, for the
 * hand-computed, finite-difference and PyTorch-parity tests. Inputs are named as in the parity fixture: {@code logps}
 * (SFT), {@code chosen}/{@code rejected} (pairs), {@code positives}/{@code negatives} (unpaired), plus the constant
 * reference sums {@code ref_chosen}/{@code ref_rejected} (DPO).
 */
final class LossHarness {
    /** One input sequence set: sums and counts. */
    record Seqs(double[] sums, double[] counts) {}

    /** The loss and d loss / d sums of every sequence input. */
    record Result(double loss, Map<String, double[]> grads) {}

    private LossHarness() {}

    static Result evaluate(
            Objective objective, Map<String, Double> params, Map<String, Seqs> seqs, Map<String, double[]> constants) {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, SequenceLogProbs> in = new LinkedHashMap<>();
            seqs.forEach((name, s) -> {
                NDArray sums = m.create(s.sums());
                sums.setRequiresGradient(true);
                in.put(name, new SequenceLogProbs(sums, m.create(s.counts())));
            });
            JniUtils.setGradMode(true);
            NDArray loss;
            try {
                loss = loss(objective, params, in, constants, m);
                JniUtils.backward((PtNDArray) loss, (PtNDArray) loss.onesLike(), false, false);
            } finally {
                JniUtils.setGradMode(false);
            }
            Map<String, double[]> grads = new LinkedHashMap<>();
            in.forEach((name, s) -> grads.put(name, s.sums().getGradient().toDoubleArray()));
            return new Result(loss.getDouble(), grads);
        }
    }

    /** The loss alone (no gradient), for finite differences. */
    static double value(
            Objective objective, Map<String, Double> params, Map<String, Seqs> seqs, Map<String, double[]> constants) {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, SequenceLogProbs> in = new LinkedHashMap<>();
            seqs.forEach((name, s) -> in.put(name, new SequenceLogProbs(m.create(s.sums()), m.create(s.counts()))));
            return loss(objective, params, in, constants, m).getDouble();
        }
    }

    private static NDArray loss(
            Objective objective,
            Map<String, Double> p,
            Map<String, SequenceLogProbs> in,
            Map<String, double[]> constants,
            NDManager m) {
        return switch (objective) {
            case SFT -> Sft.loss(in.get("logps"));
            case REDI ->
                Redi.loss(in.get("chosen"), in.get("rejected"), m.create(p.get("alpha")))
                        .mean();
            case REDI_UNPAIRED ->
                RediUnpaired.loss(in.get("positives"), in.get("negatives"), m.create(p.get("alpha")))
                        .mean();
            case DPO ->
                Dpo.loss(
                                in.get("chosen"),
                                in.get("rejected"),
                                m.create(constants.get("ref_chosen")),
                                m.create(constants.get("ref_rejected")),
                                m.create(p.get("beta")))
                        .mean();
            case SIMPO ->
                SimPo.loss(in.get("chosen"), in.get("rejected"), m.create(p.get("beta")), m.create(p.get("gamma")))
                        .mean();
        };
    }

    /** Central differences of {@link #value} with respect to every sum, step h. */
    static Map<String, double[]> finiteDifferences(
            Objective objective,
            Map<String, Double> params,
            Map<String, Seqs> seqs,
            Map<String, double[]> constants,
            double h) {
        Map<String, double[]> grads = new LinkedHashMap<>();
        for (String name : seqs.keySet()) {
            double[] sums = seqs.get(name).sums();
            double[] g = new double[sums.length];
            for (int i = 0; i < sums.length; i++) {
                double[] plus = sums.clone();
                double[] minus = sums.clone();
                plus[i] += h;
                minus[i] -= h;
                g[i] = (value(objective, params, with(seqs, name, plus), constants)
                                - value(objective, params, with(seqs, name, minus), constants))
                        / (2 * h);
            }
            grads.put(name, g);
        }
        return grads;
    }

    private static Map<String, Seqs> with(Map<String, Seqs> seqs, String name, double[] sums) {
        Map<String, Seqs> copy = new LinkedHashMap<>(seqs);
        copy.put(name, new Seqs(sums, seqs.get(name).counts()));
        return copy;
    }
}
