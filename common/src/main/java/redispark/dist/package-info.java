/** Collective communication between training replicas; Spark only provides the rendezvous (in {@code jobs}). */
package redispark.dist;
