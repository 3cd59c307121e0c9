package redispark.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores of one model on one benchmark from a problems × samples grid of verdicts, as the paper reports them:
 * pass@1 = mean over every (problem, sample); its standard error = population std of the per-sample-index
 * accuracies / √samples; unbiased pass@k for each power of two k ≤ samples (and k = samples).
 */
public final class BenchmarkScore {
    private BenchmarkScore() {}

    /** @param correct {@code correct[p][s]}: sample s of problem p was verified correct */
    public static Map<String, Double> score(boolean[][] correct) {
        int problems = correct.length;
        if (problems == 0) {
            throw new IllegalArgumentException("no problems to score");
        }
        int samples = correct[0].length;
        double[] perSample = new double[samples];
        int[] perProblem = new int[problems];
        for (int p = 0; p < problems; p++) {
            if (correct[p].length != samples) {
                throw new IllegalArgumentException(
                        "problem " + p + " has " + correct[p].length + " samples, expected " + samples);
            }
            for (int s = 0; s < samples; s++) {
                if (correct[p][s]) {
                    perSample[s] += 1.0 / problems;
                    perProblem[p]++;
                }
            }
        }
        double mean = 0;
        for (double a : perSample) {
            mean += a / samples;
        }
        double variance = 0;
        for (double a : perSample) {
            variance += (a - mean) * (a - mean) / samples;
        }
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("pass@1", mean);
        out.put("pass@1_sem", Math.sqrt(variance) / Math.sqrt(samples));
        List<Integer> ks = new ArrayList<>();
        for (int k = 2; k < samples; k *= 2) {
            ks.add(k);
        }
        if (samples > 1) {
            ks.add(samples);
        }
        for (int k : ks) {
            double sum = 0;
            for (int c : perProblem) {
                sum += PassAtK.estimate(samples, c, k);
            }
            out.put("pass@" + k, sum / problems);
        }
        return out;
    }
}
