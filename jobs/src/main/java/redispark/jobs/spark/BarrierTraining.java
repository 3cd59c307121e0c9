package redispark.jobs.spark;

import ai.djl.Device;
import java.io.Serializable;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.BarrierTaskInfo;
import org.apache.spark.HashPartitioner;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.util.TaskCompletionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redispark.dist.Collective;
import redispark.dist.CollectiveException;
import redispark.dist.Rendezvous;
import redispark.dist.RingCollective;
import redispark.dist.WireFormat;
import redispark.model.EngineInfo;
import redispark.model.Labels;
import scala.Function1;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * Runs one training replica per rank as a Spark barrier stage (all N tasks start together or none do), as
 * XGBoost4J-Spark does, and joins the replicas into a {@link RingCollective}.
 *
 * <ul>
 *   <li>Rank = partition id. The rows arrive keyed by rank and are partitioned so that partition r holds rank r's.
 *   <li>Rendezvous: each task binds a server socket at a free port ({@link #bindHost}: loopback in local mode,
 *       else the executor's own address, or {@code train.dist.bind-host}), and shares {@code host:port} through
 *       {@code BarrierTaskContext.allGather}; the host is {@code train.dist.advertise-host} or else the executor's
 *       host as Spark knows it. Rank 0 adds a short announcement to the same round (e.g. the checkpoint every rank
 *       resumes from), so all ranks decide alike.
 *   <li>Security: peers prove the run secret (made on the driver, one per run, shipped in the task closure) in an
 *       HMAC handshake over the whole transcript, bound to the run id and the stage attempt, so neither a stranger
 *       nor a straggler of a killed attempt joins; {@code train.dist.seal-frames} adds a keyed MAC to every frame.
 *       The closure travels over Spark's RPC: enable {@code spark.authenticate} / {@code spark.network.crypto} on a
 *       shared cluster to keep it private.
 *   <li>Failures: the stage is followed by a shuffle ({@code repartition(1)}) so Spark retries it as a whole (only
 *       shuffle-map stages are retried); the job runs in a group with {@code interruptOnCancel} so killed tasks'
 *       threads are interrupted (the ring checks it in every wait); the ring and its sockets are closed by a
 *       task-completion listener. {@link #withRetries} is the driver-side loop for a job that Spark gave up on.
 *   <li>Errors that every rank would hit again (bad data, diverged replicas, a NaN loss) are returned as an
 *       {@code error} line instead of failing the task, and the driver raises them without retrying.
 *   <li>GPU: when the task was given a GPU ({@code spark.task.resource.gpu.amount}), the replica lives on the first
 *       GPU address of {@code TaskContext.resources()}; otherwise on the CPU.
 * </ul>
 */
public final class BarrierTraining {
    private static final Logger LOG = LoggerFactory.getLogger(BarrierTraining.class);
    private static final String LOOPBACK = "127.0.0.1";

    private BarrierTraining() {}

    /**
     * Where a replica lives ({@code train.device}): {@code auto} on the GPU Spark gave the task, else the CPU;
     * {@code gpu} on a GPU always (the task's, or device 0 when Spark schedules no GPUs, as in local mode), failing
     * at once when the engine cannot reach one; {@code cpu} on the CPU whatever the task was given.
     */
    public enum Placement {
        AUTO,
        GPU,
        CPU;

        public String label() {
            return Labels.of(this);
        }

        public static Placement parse(String s) {
            return Labels.parse(Placement.class, s, "train.device");
        }
    }

    /**
     * How the ranks find each other, and where each replica lives.
     *
     * @param bindHost address the ring's server sockets bind; "" = loopback in local mode, else the executor's own
     *     address ({@code 0.0.0.0} = every interface)
     * @param advertiseHost host peers dial; "" = the executor's host from Spark's task infos (loopback in local mode)
     * @param sealFrames whether every frame of the exchange carries a keyed MAC ({@code train.dist.seal-frames})
     * @param links connections per ring edge ({@code train.dist.links})
     * @param wireFormat how gradients travel ({@code train.dist.wire-format})
     */
    public record Ring(
            int workers,
            String bindHost,
            String advertiseHost,
            Duration connectTimeout,
            Duration ioTimeout,
            boolean sealFrames,
            int links,
            WireFormat wireFormat,
            String runId,
            byte[] secret,
            Placement placement)
            implements Serializable {
        public Ring {
            if (workers < 1) {
                throw new IllegalArgumentException("train.workers must be >= 1, got " + workers);
            }
            if (links < 1 || links > Rendezvous.MAX_LINKS) {
                throw new IllegalArgumentException(
                        "train.dist.links must be 1.." + Rendezvous.MAX_LINKS + ", got " + links);
            }
            wireFormat = wireFormat == null ? Rendezvous.DEFAULT_WIRE_FORMAT : wireFormat;
            placement = placement == null ? Placement.AUTO : placement;
        }

        /** A ring with a fresh run id and secret (call on the driver, once per run). */
        public static Ring fresh(
                int workers,
                String bindHost,
                String advertiseHost,
                Duration connectTimeout,
                Duration ioTimeout,
                boolean sealFrames,
                int links,
                WireFormat wireFormat,
                Placement placement) {
            Ring unnamed = new Ring(
                    workers,
                    bindHost,
                    advertiseHost,
                    connectTimeout,
                    ioTimeout,
                    sealFrames,
                    links,
                    wireFormat,
                    "",
                    new byte[0],
                    placement);
            return unnamed.renewed();
        }

        /** The same ring with a new run id and secret: a retried job must not accept the last job's stragglers. */
        public Ring renewed() {
            return new Ring(
                    workers,
                    bindHost,
                    advertiseHost,
                    connectTimeout,
                    ioTimeout,
                    sealFrames,
                    links,
                    wireFormat,
                    UUID.randomUUID().toString(),
                    Rendezvous.newSecret(),
                    placement);
        }

        @Override
        public String toString() {
            return "Ring[workers=" + workers + ", bind=" + bindHost + ", advertise=" + advertiseHost + ", sealFrames="
                    + sealFrames + ", links=" + links + ", wire=" + wireFormat.label() + ", run=" + runId + "]";
        }
    }

    /** What a replica gets: its place in the world, the collective, rank 0's announcement and its device. */
    public record Worker(
            int rank, int worldSize, int attempt, Collective collective, String announcement, Device device) {}

    /** The work of one replica: rows of type {@code T} in, a small result {@code R} back to the driver. */
    public interface Replica<T, R extends Serializable> extends Serializable {
        /** Runs on rank 0 before the rendezvous; every rank gets the result as {@link Worker#announcement()}. */
        default String announce(int stageAttempt) {
            return "";
        }

        /** Trains on this rank's rows; what it returns reaches the driver with the other ranks' results. */
        R train(Worker worker, List<T> rows) throws Exception;
    }

    /** What one rank sends the driver: its result, or why it failed in a way no retry would mend. */
    sealed interface RankReply<R> extends Serializable {
        record Done<R>(R result) implements RankReply<R> {}

        record Failed<R>(int rank, String message) implements RankReply<R> {}
    }

    /** A rank failed in a way a new attempt would repeat (a bad row, an engine that cannot reach the GPU). */
    public static final class TrainingFailed extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        TrainingFailed(int rank, String message) {
            super("rank " + rank + ": " + message);
        }
    }

    /**
     * Runs the barrier stage once: {@code rowsByRank} keys each row with its rank ({@code 0..workers-1}). Returns
     * every rank's result, in no particular order; a rank that failed for good throws {@link TrainingFailed}.
     */
    public static <T, R extends Serializable> List<R> run(
            JavaPairRDD<Integer, T> rowsByRank, Ring ring, Replica<T, R> replica) {
        JavaRDD<T> partitioned =
                rowsByRank.partitionBy(new HashPartitioner(ring.workers())).values();
        SparkContext sc = rowsByRank.context();
        boolean local = sc.isLocal();
        Function1<scala.collection.Iterator<T>, scala.collection.Iterator<RankReply<R>>> body =
                (Function1<scala.collection.Iterator<T>, scala.collection.Iterator<RankReply<R>>> & Serializable)
                        rows -> {
                            List<T> shard = new ArrayList<>();
                            Iterator<T> it = CollectionConverters.asJava(rows);
                            it.forEachRemaining(shard::add);
                            return CollectionConverters.asScala(
                                    List.of(task(ring, local, replica, shard)).iterator());
                        };
        @SuppressWarnings("unchecked")
        ClassTag<RankReply<R>> tag = (ClassTag<RankReply<R>>) (ClassTag<?>) ClassTag$.MODULE$.apply(RankReply.class);
        String group = "redi-train-" + ring.runId();
        sc.setJobGroup(group, "data-parallel training, " + ring.workers() + " ranks", true);
        try {
            List<RankReply<R>> replies = partitioned
                    .rdd()
                    .barrier()
                    .mapPartitions(body, false, tag)
                    .toJavaRDD()
                    .repartition(1)
                    .collect();
            List<R> results = new ArrayList<>(replies.size());
            for (RankReply<R> reply : replies) {
                if (reply instanceof RankReply.Failed<R> failed) {
                    throw new TrainingFailed(failed.rank(), failed.message());
                }
                results.add(((RankReply.Done<R>) reply).result());
            }
            return results;
        } finally {
            sc.clearJobGroup();
        }
    }

    private static <T, R extends Serializable> RankReply<R> task(
            Ring ring, boolean local, Replica<T, R> replica, List<T> rows) {
        BarrierTaskContext task = BarrierTaskContext.get();
        int rank = task.partitionId();
        Device device;
        try {
            device = device(task, ring.placement(), rank);
        } catch (IllegalStateException e) {
            // every rank of a uniform cluster fails here alike, before the rendezvous: no retry would help
            return new RankReply.Failed<>(rank, e.getMessage());
        }
        int attempt = task.stageAttemptNumber();
        BarrierTaskInfo[] infos = task.getTaskInfos();
        if (infos.length != ring.workers()) {
            throw new IllegalStateException(
                    "barrier stage has " + infos.length + " tasks, train.workers is " + ring.workers());
        }
        String host = advertiseHost(ring.advertiseHost(), local, hostOf(infos[rank].address()));
        ServerSocketChannel server = RingCollective.listen(bindHost(ring.bindHost(), local, host), 0);
        task.addTaskCompletionListener((TaskCompletionListener) c -> closeQuietly(server));
        String announcement = rank == 0 ? replica.announce(attempt) : "";
        String[] all = task.allGather(RingCollective.advertise(server, host) + "\n" + announcement);
        List<String> peers = new ArrayList<>(all.length);
        for (String a : all) {
            peers.add(a.substring(0, a.indexOf('\n')));
        }
        String shared = all[0].substring(all[0].indexOf('\n') + 1);
        Rendezvous rv = Rendezvous.of(rank, peers, ring.secret(), ring.runId(), attempt)
                .withTimeouts(ring.connectTimeout(), ring.ioTimeout())
                .withSealFrames(ring.sealFrames())
                .withLinks(ring.links())
                .withWireFormat(ring.wireFormat());
        RingCollective collective = RingCollective.open(rv, server);
        task.addTaskCompletionListener((TaskCompletionListener) c -> collective.close());
        LOG.info(
                "rank {}/{} (stage attempt {}) on {} with {} rows",
                rank,
                ring.workers(),
                attempt,
                device == null ? "cpu" : device,
                rows.size());
        try {
            return new RankReply.Done<>(
                    replica.train(new Worker(rank, ring.workers(), attempt, collective, shared, device), rows));
        } catch (CollectiveException | InterruptedException e) {
            throw new IllegalStateException("rank " + rank + ": " + e.getMessage(), e); // Spark retries the stage
        } catch (Exception e) {
            if (collective.isBroken() || Thread.currentThread().isInterrupted()) {
                throw new IllegalStateException("rank " + rank + ": " + e.getMessage(), e);
            }
            LOG.error("rank {} failed", rank, e);
            return new RankReply.Failed<>(rank, e.getMessage());
        } finally {
            collective.close();
        }
    }

    /**
     * This replica's device (null = the CPU), after logging which engine the executor loaded and checking that it can
     * reach the GPU asked for: the first GPU address Spark gave the task, as a CUDA device index.
     */
    private static Device device(BarrierTaskContext task, Placement placement, int rank) {
        EngineInfo engine = EngineInfo.probe();
        LOG.info("rank {}: {}", rank, engine.line());
        if (placement == Placement.CPU) {
            return null;
        }
        Map<String, ResourceInformation> resources = CollectionConverters.asJava(task.resources());
        ResourceInformation gpu = resources.get("gpu");
        String address = gpu == null || gpu.addresses().length == 0 ? null : gpu.addresses()[0];
        if (address == null && placement == Placement.AUTO) {
            return null;
        }
        int index = address == null ? 0 : EngineInfo.visibleIndex(address, System.getenv("CUDA_VISIBLE_DEVICES"));
        engine.requireGpu(index, address == null ? "train.device = gpu" : "Spark gave this task GPU " + address.trim());
        return Device.gpu(index);
    }

    /**
     * The host the other ranks dial: {@code train.dist.advertise-host} when set, else loopback in local mode (every
     * rank is a thread of this JVM), else the executor's host as Spark knows it.
     */
    static String advertiseHost(String configured, boolean local, String executorHost) {
        if (!configured.isEmpty()) {
            return configured;
        }
        return local ? LOOPBACK : executorHost;
    }

    /**
     * The address the ring's listening socket binds: {@code train.dist.bind-host} when set, else loopback in local
     * mode and the advertised host otherwise, so the port is open only on the interface peers dial, never on every
     * interface unless asked for ({@code 0.0.0.0}).
     */
    static String bindHost(String configured, boolean local, String advertised) {
        if (!configured.isEmpty()) {
            return configured;
        }
        return local ? LOOPBACK : advertised;
    }

    private static String hostOf(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return colon > 0 ? hostPort.substring(0, colon) : hostPort;
    }

    private static void closeQuietly(ServerSocketChannel server) {
        try {
            server.close();
        } catch (java.io.IOException ignored) {
            // closing a listening socket that is already closed or broken: nothing left to release
        }
    }

    /**
     * The driver-side retry loop: runs {@code job}, and when Spark gives up on it (a {@link SparkException}, e.g.
     * after {@code spark.stage.maxConsecutiveAttempts} failed stage attempts or a lost driver-side slot check),
     * runs it again up to {@code retries} times; the job resumes from the newest checkpoint each time.
     */
    public static <R> R withRetries(int retries, Supplier<R> job) {
        for (int attempt = 0; ; attempt++) {
            try {
                return job.get();
            } catch (RuntimeException e) {
                if (attempt >= retries || !isSparkFailure(e)) {
                    throw e;
                }
                System.out.println("[redi] training job failed (" + firstLine(e) + "); retry " + (attempt + 1) + " of "
                        + retries + " from the newest checkpoint");
                LOG.warn("training job failed; retrying", e);
            }
        }
    }

    private static boolean isSparkFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SparkException) {
                return true;
            }
        }
        return false;
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** The number of task slots of a local master ({@code local}, {@code local[N]}, {@code local[*]}), else -1. */
    public static int localSlots(String master) {
        if (master.equals("local")) {
            return 1;
        }
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("local\\[(\\d+|\\*)(,\\d+)?]").matcher(master);
        if (!m.matches()) {
            return -1;
        }
        return m.group(1).equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(m.group(1));
    }

    static String describe(String[] values) {
        return Arrays.toString(values);
    }
}
