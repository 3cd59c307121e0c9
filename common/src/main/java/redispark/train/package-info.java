/**
 * The trainer: one loop for every objective of {@link redispark.train.objective}.
 *
 * <ul>
 *   <li>{@link redispark.train.Admission} is the only gate from text to tokens: the model's chat template, the EOS
 *       rule, and the refusals (empty completion, too long, identical pair, completion the template refuses, DPO pair
 *       without reference log-probs), each counted in {@link redispark.train.Rejects}.
 *   <li>{@link redispark.train.TrainData} is both the data of a run and the contents of one step or micro-batch;
 *       its order is a pure function of (seed, epoch).
 *   <li>{@link redispark.train.TrainLoop}: per step, micro-batches (gradient accumulation) of forward → objective →
 *       backward, then the {@link redispark.dist.Collective} gradient average, global-norm clipping,
 *       {@link redispark.train.AdamW}, metrics (TRL's names), the {@link redispark.train.CollapseAlarm} and
 *       checkpoints.
 *   <li>{@link redispark.train.Checkpoints}: Hugging Face folder + {@code optimizer.safetensors} +
 *       {@code trainer_state.json} ({@link redispark.train.TrainerState}) + {@code metrics.jsonl}; resuming one gives
 *       the same weights and losses as a run that never stopped.
 *   <li>{@link redispark.train.Recipe}: the hyper-parameters of one objective (the named presets, the paper's and
 *       the embedded student's, are configuration); {@link redispark.train.TrainConfig} is what crosses to the
 *       workers.
 *   <li>{@link redispark.train.TrainWorker}: one replica from text rows to a checkpoint folder, Spark-free;
 *       {@link redispark.train.ReferenceLogProbs}: the DPO reference pass.
 * </ul>
 */
package redispark.train;
