package redispark.train;

/** A correct (chosen) and an incorrect (rejected) completion of the same prompt. */
public record TokenizedPair(String id, TokenizedExample chosen, TokenizedExample rejected) {}
