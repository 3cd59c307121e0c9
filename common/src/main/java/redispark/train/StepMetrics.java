package redispark.train;

import ai.djl.ndarray.NDArray;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import redispark.dist.Collective;

/**
 * Means over the items of one optimizer step, accumulated across its micro-batches: each metric keeps a sum and a
 * count, so {@code logps/chosen} of a step is the mean over all its pairs however they were split.
 */
final class StepMetrics {
    private final LinkedHashMap<String, double[]> sums = new LinkedHashMap<>();
    private final Set<String> totals = new HashSet<>();

    /** Adds every element of {@code values} (1-D) to the mean of {@code name}. */
    void addAll(String name, NDArray values) {
        double[] acc = sums.computeIfAbsent(name, k -> new double[2]);
        for (float v :
                values.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray()) {
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
        totals.add(name);
    }

    /**
     * Turns this rank's sums into the whole step's over all ranks (every metric any rank has, in name order), in one
     * all-gather of the names and one all-reduce, together with the step's {@code loss} and {@code tokens}; returns
     * those two summed. Every rank ends with the same metrics, so decisions taken from them agree.
     */
    double[] allReduce(Collective collective, double loss, long tokens) {
        if (collective.worldSize() == 1) {
            return new double[] {loss, tokens};
        }
        TreeSet<String> names = new TreeSet<>();
        Set<String> anyTotal = new HashSet<>(); // a rank without items in this step has no totals to say so
        StringBuilder mine = new StringBuilder();
        sums.keySet()
                .forEach(name -> mine.append(totals.contains(name) ? "T" : "M")
                        .append(name)
                        .append('\n'));
        for (byte[] b : collective.allGather(mine.toString().getBytes(StandardCharsets.UTF_8))) {
            for (String entry : new String(b, StandardCharsets.UTF_8).split("\n")) {
                if (!entry.isEmpty()) {
                    names.add(entry.substring(1));
                    if (entry.charAt(0) == 'T') {
                        anyTotal.add(entry.substring(1));
                    }
                }
            }
        }
        double[] v = new double[2 + 2 * names.size()];
        v[0] = loss;
        v[1] = tokens;
        int i = 2;
        for (String name : names) {
            double[] acc = sums.getOrDefault(name, new double[2]);
            v[i++] = acc[0];
            v[i++] = anyTotal.contains(name) ? 0 : acc[1];
        }
        collective.allReduceSum(v);
        sums.clear();
        totals.clear();
        totals.addAll(anyTotal);
        i = 2;
        for (String name : names) {
            double sum = v[i++];
            double count = v[i++];
            sums.put(name, new double[] {sum, anyTotal.contains(name) ? 1 : count});
        }
        return new double[] {v[0], v[1]};
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
