package redispark.jobs.curate;

import java.io.Serializable;
import java.util.List;
import redispark.jobs.config.ConfigError;
import redispark.jobs.config.RediConfig;

/**
 * The {@code split.dedup} and {@code split.decontaminate} settings, checked once.
 *
 * @param exactDedup drop problems whose normalised text equals that of a problem with a smaller id
 * @param nearDedup drop problems whose token n-grams are near those of a problem with a smaller id (MinHash LSH)
 * @param nearNgram tokens per n-gram of the near-dup comparison
 * @param nearSimilarity Jaccard similarity of the n-gram sets at or above which two problems are near-duplicates
 * @param bands LSH bands (a pair is a candidate when all min-hashes of one band agree)
 * @param rowsPerBand min-hashes per band
 * @param seed seed of the min-hash functions
 * @param decontaminate compare problems with benchmark files
 * @param benchmarkDir folder of the benchmark JSONL files; "" = found by {@code BenchmarkDir.find()}
 * @param benchmarks file names without {@code .jsonl}; empty = every {@code *.jsonl} of the folder
 * @param decontaminationNgram words per n-gram of the benchmark comparison
 * @param decontaminationOverlap share of shared n-grams at or above which a problem is contaminated
 */
public record CurationSettings(
        boolean exactDedup,
        boolean nearDedup,
        int nearNgram,
        double nearSimilarity,
        int bands,
        int rowsPerBand,
        long seed,
        boolean decontaminate,
        String benchmarkDir,
        List<String> benchmarks,
        int decontaminationNgram,
        double decontaminationOverlap)
        implements Serializable {

    public CurationSettings {
        benchmarks = List.copyOf(benchmarks);
        require(nearNgram >= 1, "split.dedup.ngram must be >= 1");
        require(nearSimilarity > 0 && nearSimilarity <= 1, "split.dedup.similarity must be in (0, 1]");
        require(bands >= 1 && rowsPerBand >= 1, "split.dedup.bands and split.dedup.rows-per-band must be >= 1");
        require(decontaminationNgram >= 1, "split.decontaminate.ngram must be >= 1");
        require(
                decontaminationOverlap > 0 && decontaminationOverlap <= 1,
                "split.decontaminate.overlap must be in (0, 1]");
    }

    /** Read from {@code split.*} only: the split stage's rerun key covers every value here. */
    public static CurationSettings from(RediConfig all) {
        RediConfig config = all.only(java.util.List.of("split"));
        return new CurationSettings(
                config.raw().getBoolean("split.dedup.exact"),
                config.raw().getBoolean("split.dedup.near"),
                config.getInt("split.dedup.ngram"),
                config.getDouble("split.dedup.similarity"),
                config.getInt("split.dedup.bands"),
                config.getInt("split.dedup.rows-per-band"),
                config.getLong("split.dedup.seed"),
                config.raw().getBoolean("split.decontaminate.enabled"),
                config.getString("split.decontaminate.dir"),
                config.getStringList("split.decontaminate.benchmarks"),
                config.getInt("split.decontaminate.ngram"),
                config.getDouble("split.decontaminate.overlap"));
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new ConfigError(message);
        }
    }
}
