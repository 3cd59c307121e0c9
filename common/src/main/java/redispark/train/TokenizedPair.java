package redispark.train;

/**
 * A correct (chosen) and an incorrect (rejected) completion of the same prompt.
 *
 * @param ref the reference model's log-prob sums of both completions (DPO only), or null
 */
public record TokenizedPair(String id, TokenizedExample chosen, TokenizedExample rejected, RefLogProbs ref) {

    public TokenizedPair(String id, TokenizedExample chosen, TokenizedExample rejected) {
        this(id, chosen, rejected, null);
    }

    public TokenizedPair withRef(RefLogProbs r) {
        return new TokenizedPair(id, chosen, rejected, r);
    }
}
