/**
 * Collective communication between training replicas; Spark only provides the rendezvous (in {@code jobs}).
 *
 * <h2>Pieces</h2>
 * <ul>
 *   <li>{@link redispark.dist.Collective}: what the trainer calls (all-reduce of floats and exact scalars,
 *       all-gather, barrier, broadcast); {@link redispark.dist.Collective#single()} for one process.
 *   <li>{@link redispark.dist.RingCollective}: the TCP ring (reduce-scatter + all-gather, pipelined segments,
 *       bit-identical results on every rank, summation order in its class comment and
 *       {@link redispark.dist.RingCollective#referenceSum}).
 *   <li>{@link redispark.dist.Rendezvous}: rank, addresses, run secret, run id and attempt, timeouts, frame sealing.
 *   <li>{@link redispark.dist.GradientBuckets}: the gradients of a model, in one canonical order, reduced in
 *       fixed-size buckets.
 *   <li>{@link redispark.dist.AllReduceBench}: busbw against one-way loopback and memcpy on this machine.
 * </ul>
 *
 * <h2>Wiring in a barrier task (the part that lives in {@code jobs})</h2>
 * <pre>{@code
 * // driver, once per run: byte[] secret = Rendezvous.newSecret(); String runId = ...; both go into the closure
 * ServerSocketChannel server = RingCollective.listen(bindHost, 0);          // the interface peers dial
 * String me = RingCollective.advertise(server, advertiseHost);             // e.g. the executor's host name
 * String[] all = barrierContext.allGather(me);                             // ordered by partition id
 * Rendezvous rv = Rendezvous.of(barrierContext.partitionId(), List.of(all), secret, runId,
 *         barrierContext.stageAttemptNumber()).withTimeouts(connectTimeout, ioTimeout);
 * try (RingCollective ring = RingCollective.open(rv, server)) {           // closes server
 *     barrierContext.addTaskCompletionListener(c -> ring.close());        // a killed task frees the sockets
 *     ... TrainWorker.run(..., ring, ...) ...
 * }
 * }</pre>
 * Each link is authenticated by an HMAC handshake over its whole transcript (strangers, relayed proofs and replayed
 * handshakes are refused; see {@code Handshake}); {@link redispark.dist.Rendezvous#sealFrames()} adds a keyed MAC
 * to every frame after it.
 * Failures surface as {@link redispark.dist.CollectiveException} (its subclass
 * {@link redispark.dist.HandshakeRefusedException} for configuration errors: secret, run, attempt, rank). Every
 * blocking wait is bounded by the rendezvous timeouts and honours thread interruption, so a Spark task kill (with
 * {@code spark.job.interruptOnCancel}) or a dead peer ends the stage instead of hanging it. The {@code ioTimeout} must
 * exceed the largest step-time difference between ranks (a rank waits inside a collective for the slowest one),
 * including rank 0's checkpoint writes.
 */
package redispark.dist;
