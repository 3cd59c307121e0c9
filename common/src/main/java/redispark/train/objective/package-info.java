/**
 * Training objectives as pure functions of per-sequence log-prob sums and token counts. No fields, no I/O, no
 * logging: the trainer computes {@link redispark.train.objective.SequenceLogProbs} once and hands them here.
 */
package redispark.train.objective;
