package redispark.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The engine's token choice at the paper's settings (temperature 0.6, top-p 0.95) against the renormalised top-p
 * nucleus of softmax(logits / 0.6), by a chi-square goodness-of-fit test over 20,000 draws, on both paths. The same
 * test rejects draws from the distributions a wrong temperature, a missing nucleus or a missing renormalisation
 * would give, so it can fail.
 */
class SamplerDistributionTest extends EngineTestBase {

    static final int DRAWS = 20_000;
    static final double TEMPERATURE = 0.6;
    static final double TOP_P = 0.95;

    /** Logits whose 0.95 nucleus at temperature 0.6 leaves out the last few ids (about 3.6 % of the mass). */
    static final float[] LOGITS = {2.0f, 1.7f, 1.5f, 1.2f, 1.0f, 0.8f, 0.5f, 0.1f, -0.2f, -0.5f, -0.9f, -1.4f};

    /** softmax(LOGITS / t), computed in double. */
    static double[] softmax(double t) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : LOGITS) {
            max = Math.max(max, l);
        }
        double[] p = new double[LOGITS.length];
        double z = 0;
        for (int j = 0; j < p.length; j++) {
            p[j] = Math.exp((LOGITS[j] - max) / t);
            z += p[j];
        }
        for (int j = 0; j < p.length; j++) {
            p[j] /= z;
        }
        return p;
    }

    /**
     * The top-p nucleus of {@code p} (ids in decreasing probability while the mass before them is below topP; LOGITS
     * are distinct, so there are no ties), renormalised when {@code renormalise}, else with the left-out mass on the
     * least likely id kept (what inverse-CDF sampling over the unrenormalised nucleus gives).
     */
    static double[] nucleus(double[] p, double topP, boolean renormalise) {
        Integer[] order = new Integer[p.length];
        for (int j = 0; j < p.length; j++) {
            order[j] = j;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
        double[] q = new double[p.length];
        double mass = 0;
        int lastKept = order[0];
        for (int r = 0; r < p.length && (r == 0 || mass < topP); r++) {
            q[order[r]] = p[order[r]];
            mass += p[order[r]];
            lastKept = order[r];
        }
        for (int j = 0; j < q.length; j++) {
            q[j] = renormalise ? q[j] / mass : q[j];
        }
        if (!renormalise) {
            q[lastKept] += 1 - mass;
        }
        return q;
    }

    /**
     * Pearson's statistic of {@code counts} against {@code expected} probabilities, or +∞ when an id with
     * probability 0 was drawn; ids with expected count under 5 are pooled into one cell.
     */
    static double chiSquare(long[] counts, double[] expected) {
        double stat = 0;
        double pooledExpected = 0;
        long pooledCount = 0;
        for (int j = 0; j < counts.length; j++) {
            double e = expected[j] * DRAWS;
            if (e == 0 && counts[j] > 0) {
                return Double.POSITIVE_INFINITY;
            }
            if (e < 5) {
                pooledExpected += e;
                pooledCount += counts[j];
            } else {
                stat += (counts[j] - e) * (counts[j] - e) / e;
            }
        }
        if (pooledExpected > 0) {
            stat += (pooledCount - pooledExpected) * (pooledCount - pooledExpected) / pooledExpected;
        }
        return stat;
    }

    /** Cells of the test: ids with expected count >= 5, plus one pooled cell if any are smaller but non-zero. */
    static int cells(double[] expected) {
        int cells = 0;
        boolean pooled = false;
        for (double x : expected) {
            if (x * DRAWS >= 5) {
                cells++;
            } else if (x > 0) {
                pooled = true;
            }
        }
        return cells + (pooled ? 1 : 0);
    }

    /** Upper 0.1 % point of chi-square with {@code df} degrees of freedom (Wilson–Hilferty; z = 3.090). */
    static double critical(int df) {
        double a = 2.0 / (9 * df);
        return df * Math.pow(1 - a + 3.090 * Math.sqrt(a), 3);
    }

    static boolean passes(long[] counts, double[] expected) {
        return chiSquare(counts, expected) < critical(cells(expected) - 1);
    }

    /** The row-per-draw uniforms (DRAWS, k), each row from its own generator as the sampler seeds them. */
    static NDArray uniforms(NDManager m, int k, long seed) {
        float[] u = new float[DRAWS * k];
        for (int i = 0; i < DRAWS; i++) {
            SplittableRandom rng = new SplittableRandom(Sampler.seed(seed, i, 0));
            for (int j = 0; j < k; j++) {
                u[i * k + j] = (float) rng.nextDouble();
            }
        }
        return m.create(u, new Shape(DRAWS, k));
    }

    static NDArray logitRows(NDManager m) {
        return logitRows(m, LOGITS, DRAWS);
    }

    /** {@code count} copies of {@code logits}, one per row. */
    static NDArray logitRows(NDManager m, float[] logits, int count) {
        float[] rows = new float[count * logits.length];
        for (int i = 0; i < count; i++) {
            System.arraycopy(logits, 0, rows, i * logits.length, logits.length);
        }
        return m.create(rows, new Shape(count, logits.length));
    }

    static long[] histogram(long[] ids) {
        return histogram(ids, LOGITS.length);
    }

    static long[] histogram(long[] ids, int vocabulary) {
        long[] counts = new long[vocabulary];
        for (long id : ids) {
            counts[(int) id]++;
        }
        return counts;
    }

    static long[] kernelDraws(double temperature, long seed) {
        try (NDManager m = root.newSubManager()) {
            long[] ids = LayerKernel.get()
                    .sampleLogits(
                            logitRows(m),
                            m.create((float) temperature),
                            m.create((float) TOP_P),
                            uniforms(m, Sampler.KERNEL_CANDIDATES + 1, seed))
                    .toLongArray();
            return histogram(ids);
        }
    }

    static long[] eagerDraws(double temperature, long seed) {
        try (NDManager m = root.newSubManager()) {
            SamplingParams p = new SamplingParams(temperature, TOP_P, 1, 0);
            return histogram(Sampler.sampleIds(logitRows(m), p, uniforms(m, 1, seed)));
        }
    }

    /** Draws by inverse CDF from {@code q}, one uniform per draw: a stand-in for a sampler with that distribution. */
    static long[] referenceDraws(double[] q, long seed) {
        long[] counts = new long[q.length];
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < DRAWS; i++) {
            double u = rng.nextDouble();
            double acc = 0;
            int j = 0;
            while (j < q.length - 1 && u >= (acc += q[j])) {
                j++;
            }
            counts[j]++;
        }
        return counts;
    }

    @Test
    void theFixtureHasAProperNucleus() {
        double[] q = nucleus(softmax(TEMPERATURE), TOP_P, true);
        long left = java.util.Arrays.stream(q).filter(x -> x == 0).count();
        assertThat(left).as("ids outside the nucleus").isBetween(2L, 6L);
    }

    @Test
    void kernelDrawsFollowTheRenormalisedNucleus() {
        double[] expected = nucleus(softmax(TEMPERATURE), TOP_P, true);
        long[] counts = kernelDraws(TEMPERATURE, 1);
        System.out.printf(
                "kernel chi-square %.2f (critical %.2f)%n", chiSquare(counts, expected), critical(cells(expected) - 1));
        assertThat(passes(counts, expected))
                .as("chi-square %.2f", chiSquare(counts, expected))
                .isTrue();
    }

    @Test
    void eagerDrawsFollowTheRenormalisedNucleus() {
        double[] expected = nucleus(softmax(TEMPERATURE), TOP_P, true);
        long[] counts = eagerDraws(TEMPERATURE, 2);
        assertThat(passes(counts, expected))
                .as("chi-square %.2f", chiSquare(counts, expected))
                .isTrue();
    }

    @Test
    void theTestRejectsAWrongTemperature() {
        double[] expected = nucleus(softmax(TEMPERATURE), TOP_P, true);
        // the engine itself, asked for 0.7 or 0.5 where 0.6 is expected
        assertThat(passes(kernelDraws(0.7, 3), expected)).isFalse();
        assertThat(passes(eagerDraws(0.5, 4), expected)).isFalse();
        // and the 0.6 draws against the 0.7 distribution
        assertThat(passes(kernelDraws(TEMPERATURE, 5), nucleus(softmax(0.7), TOP_P, true)))
                .isFalse();
    }

    @Test
    void theTestRejectsAMissingNucleusOrRenormalisation() {
        double[] expected = nucleus(softmax(TEMPERATURE), TOP_P, true);
        double[] wholeSoftmax = softmax(TEMPERATURE);
        double[] notRenormalised = nucleus(softmax(TEMPERATURE), TOP_P, false);
        // the reference draw itself passes, so what fails below is the distribution, not the draw
        assertThat(passes(referenceDraws(expected, 6), expected)).isTrue();
        assertThat(passes(referenceDraws(wholeSoftmax, 7), expected)).isFalse();
        assertThat(passes(referenceDraws(notRenormalised, 8), expected)).isFalse();
        // the engine's draws against those distributions fail as well
        assertThat(passes(kernelDraws(TEMPERATURE, 9), notRenormalised)).isFalse();
        assertThat(passes(eagerDraws(TEMPERATURE, 10), wholeSoftmax)).isFalse();
    }

    /**
     * Equally likely ids rank lower id first: four ids tied at the top (ids 5, 2, 7, 3 in the vocabulary, 0.2 each)
     * and four others at 0.05. With top-p 0.3 the nucleus is the two lowest tied ids, 2 and 3, drawn half and half;
     * the kernel must never return the other two tied ids, whose candidates see 0.4 of the mass ranked before them.
     */
    @Test
    void tiesRankTheLowerIdFirst() {
        float high = (float) Math.log(0.2);
        float low = (float) Math.log(0.05);
        float[] logits = {low, low, high, high, low, high, low, high};
        int draws = 4_000;
        try (NDManager m = root.newSubManager()) {
            NDArray u = uniforms(m, Sampler.KERNEL_CANDIDATES + 1, 12).get("0:{}", draws);
            long[] ids = LayerKernel.get()
                    .sampleLogits(logitRows(m, logits, draws), m.create(1f), m.create(0.3f), u)
                    .toLongArray();
            long[] counts = histogram(ids, logits.length);
            assertThat(counts[2] + counts[3])
                    .as("draws inside the nucleus {2, 3}")
                    .isEqualTo(draws);
            assertThat(counts[2]).as("id 2 of %d draws", draws).isBetween(1_800L, 2_200L);
        }
    }
}
