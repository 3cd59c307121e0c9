package redispark.jobs.split;

import java.io.Serializable;
import java.util.List;
import redispark.jobs.config.ConfigError;
import redispark.jobs.config.RediConfig;

/**
 * The {@code split.*} keys (and {@code train.max-seq-len}), read and checked once on the driver, before any work.
 *
 * @param maxSeqLen the training limit on prompt + response tokens
 * @param truncatedNegatives whether traces cut at the token limit are negatives (else rejects)
 * @param k the bound of {@code up-to-k} and {@code all-pairs-up-to-k}
 */
public record SplitConfig(
        int maxSeqLen,
        int maxPromptTokens,
        int maxResponseTokens,
        boolean truncatedNegatives,
        SftSelection sftSelection,
        PairSelection pairSelection,
        int k)
        implements Serializable {

    /** {@code split.sft-selection}: which correct traces of a problem SFT trains on. */
    public enum SftSelection {
        FIRST_CORRECT,
        ALL_CORRECT,
        UP_TO_K
    }

    /** {@code split.pair-selection}: which (correct, incorrect) pairs of a problem stage 2 trains on. */
    public enum PairSelection {
        FIRST_PAIR,
        ALL_PAIRS_UP_TO_K
    }

    /** The config keys these settings are read from (with the student's and curation's, the split's rerun key). */
    public static final List<String> PATHS = List.of("split", "train.max-seq-len");

    public static SplitConfig from(RediConfig all) {
        RediConfig config = all.only(PATHS);
        int k = config.getInt("split.k");
        if (k < 1) {
            throw new ConfigError("split.k must be >= 1, got " + k);
        }
        return new SplitConfig(
                config.getInt("train.max-seq-len"),
                config.getInt("split.max-prompt-tokens"),
                config.getInt("split.max-response-tokens"),
                config.raw().getBoolean("split.truncated-negatives"),
                parse(SftSelection.class, config.getString("split.sft-selection"), "split.sft-selection"),
                parse(PairSelection.class, config.getString("split.pair-selection"), "split.pair-selection"),
                k);
    }

    /** The configured spelling of a policy: {@code first-correct} for {@code FIRST_CORRECT}. */
    public static String spelling(Enum<?> policy) {
        return policy.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String value, String key) {
        for (E policy : type.getEnumConstants()) {
            if (spelling(policy).equals(value)) {
                return policy;
            }
        }
        throw new ConfigError(key + ": unknown policy '" + value + "' (expected "
                + String.join(
                        ", ",
                        java.util.Arrays.stream(type.getEnumConstants())
                                .map(SplitConfig::spelling)
                                .toList())
                + ")");
    }
}
