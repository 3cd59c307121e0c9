package redispark.train;

import ai.djl.ndarray.NDArray;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Means over the items of one optimizer step, accumulated across its micro-batches: each metric keeps a sum and a
 * count, so {@code logps/chosen} of a step is the mean over all its pairs however they were split.
 */
final class StepMetrics {
    private final LinkedHashMap<String, double[]> sums = new LinkedHashMap<>();

    /** Adds every element of {@code values} (1-D) to the mean of {@code name}. */
    void addAll(String name, NDArray values) {
        double[] acc = sums.computeIfAbsent(name, k -> new double[2]);
        for (float v : values.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray()) {
            acc[0] += v;
            acc[1]++;
        }
    }

    /** Adds {@code count} items whose values add up to {@code sum}. */
    void add(String name, double sum, long count) {
        double[] acc = sums.computeIfAbsent(name, k -> new double[2]);
        acc[0] += sum;
        acc[1] += count;
    }

    /** Adds {@code value} to a step total (a count, not a mean). */
    void addTotal(String name, double value) {
        double[] acc = sums.computeIfAbsent(name, k -> new double[2]);
        acc[0] += value;
        acc[1] = 1;
    }

    /** The means (metrics without any item are left out). */
    Map<String, Double> means() {
        Map<String, Double> out = new LinkedHashMap<>();
        sums.forEach((name, acc) -> {
            if (acc[1] > 0) {
                out.put(name, acc[0] / acc[1]);
            }
        });
        return out;
    }
}
