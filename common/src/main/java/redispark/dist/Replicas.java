package redispark.dist;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import redispark.model.HostStaging;

/**
 * The data-parallel side of one model replica: sums the gradients over all ranks through {@link GradientBuckets}
 * (in the parameters' own order, which the model fixes from its config, the same in every process), and proves
 * that the replicas hold the same weights (a SHA-256 of every weight, all-gathered).
 *
 * <p>The bucket size follows the model ({@link GradientBuckets#bucketBytesFor}). CPU gradients are reduced in place
 * through zero-copy views of their memory. Gradients anywhere else (a GPU), or every gradient with
 * {@link HostStaging.Mode#FORCE}, go through {@link HostStaging}, whose buffer grows to one bucket: each bucket's
 * slices are copied into it, reduced there and copied back into the gradients, so host memory stays one bucket.
 * The weight hash reads the weights the same way. With a world of one every method is free and no hash is computed.
 */
public final class Replicas {
    private final List<String> names;
    private final List<NDArray> weights;
    private final Collective collective;
    private final HostStaging staging;
    private final int bucketBytes;
    private GradientBuckets buckets;
    private long lastWaitNanos;

    /**
     * @param parameters name → live weight, in the model's canonical order
     * @param staging how tensors that are not in host memory reach the collective (its buffer is one bucket)
     */
    public Replicas(Map<String, NDArray> parameters, Collective collective, HostStaging staging) {
        this(parameters, collective, staging, 0);
    }

    /**
     * {@link #Replicas(Map, Collective, HostStaging)} with buckets of {@code bucketBytes} (a positive multiple of 4),
     * or, with 0, of the size {@link GradientBuckets#bucketBytesFor} picks for the model.
     */
    public Replicas(Map<String, NDArray> parameters, Collective collective, HostStaging staging, int bucketBytes) {
        if (bucketBytes < 0 || bucketBytes % Float.BYTES != 0) {
            throw new IllegalArgumentException("bucketBytes must be 0 or a positive multiple of 4, got " + bucketBytes);
        }
        this.bucketBytes = bucketBytes;
        if (parameters.isEmpty()) {
            throw new IllegalArgumentException("a replica needs at least one parameter");
        }
        this.names = List.copyOf(parameters.keySet());
        this.weights = List.copyOf(parameters.values());
        this.collective = collective;
        this.staging = staging;
    }

    /**
     * Nanoseconds the last {@link #sumGradients()} spent waiting for the other ranks to make the call (to finish
     * their backward), as opposed to exchanging; 0 unless the collective is a {@link RingCollective}.
     */
    public long lastWaitNanos() {
        return lastWaitNanos;
    }

    private long waitedSoFar() {
        return collective instanceof RingCollective ring ? ring.waitedNanos() : 0;
    }

    /** Sums every parameter's gradient over all ranks, in place; the result is bit-identical on every rank. */
    public void sumGradients() {
        if (collective.worldSize() == 1) {
            return;
        }
        long waitedBefore = waitedSoFar();
        try {
            sumAll();
        } finally {
            lastWaitNanos = waitedSoFar() - waitedBefore;
        }
    }

    private void sumAll() {
        if (buckets == null) {
            long[] sizes = new long[weights.size()];
            long total = 0;
            for (int i = 0; i < sizes.length; i++) {
                sizes[i] = weights.get(i).size();
                total += sizes[i];
            }
            int bytes = bucketBytes > 0 ? bucketBytes : GradientBuckets.bucketBytesFor(total);
            staging.reserve(bytes); // a staged exchange moves one bucket at a time through the buffer
            buckets = new GradientBuckets(names, sizes, bytes);
            buckets.checkSameLayout(collective);
        }
        List<NDArray> gradients = new ArrayList<>(weights.size());
        try {
            for (NDArray w : weights) {
                gradients.add(w.getGradient());
            }
            if (staging.stages(gradients.get(0))) {
                // one flat view per gradient for the whole exchange, so each slice copy makes only its own view
                List<NDArray> flat = new ArrayList<>(gradients.size());
                try {
                    for (NDArray g : gradients) {
                        flat.add(g.reshape(-1));
                    }
                    buckets.allReduceStaged(collective, staged(flat), 1f);
                } finally {
                    flat.forEach(NDArray::close);
                }
            } else {
                List<ByteBuffer> views = new ArrayList<>(gradients.size());
                for (NDArray g : gradients) {
                    views.add(g.toByteBuffer(true));
                }
                buckets.allReduce(collective, views, 1f);
            }
        } finally {
            gradients.forEach(NDArray::close);
        }
    }

    /**
     * Gives every parameter a gradient of zeros through autograd (so it exists even before any backward): what a
     * rank with no item in a step adds to the sum.
     */
    public void zeroGradients() {
        try (NDManager m = weights.get(0).getManager().newSubManager();
                NDScope scope = new NDScope()) {
            JniUtils.setGradMode(true);
            try {
                NDArray zero = m.create(0f);
                NDArray sum = null;
                for (NDArray w : weights) {
                    NDArray term = w.sum().mul(zero);
                    sum = sum == null ? term : sum.add(term);
                }
                JniUtils.backward((PtNDArray) sum, (PtNDArray) sum.onesLike(), false, false);
            } finally {
                JniUtils.setGradMode(false);
            }
        }
    }

    private GradientBuckets.Staged staged(List<NDArray> gradients) {
        return new GradientBuckets.Staged() {
            @Override
            public ByteBuffer bucket() {
                return staging.buffer();
            }

            @Override
            public void toBucket(int tensor, long tensorOffset, int length, int bucketOffset) {
                staging.toBuffer(gradients.get(tensor), tensorOffset, length, bucketOffset);
            }

            @Override
            public void fromBucket(int tensor, long tensorOffset, int length, int bucketOffset) {
                staging.fromBuffer(gradients.get(tensor), tensorOffset, length, bucketOffset);
            }
        };
    }

    /** SHA-256 (first 16 hex digits) of every weight's bytes in canonical order. */
    public String weightHash() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (int i = 0; i < weights.size(); i++) {
                md.update(names.get(i).getBytes(StandardCharsets.UTF_8));
                staging.read(weights.get(i), md::update);
            }
            return HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable in this JVM", e);
        }
    }

    /**
     * All-gathers the weight hash of every rank and fails on every rank alike, naming the ranks, unless they are
     * equal. Returns the hashes in rank order (empty with a world of one). A collective call.
     */
    public List<String> checkIdentical(String when) {
        if (collective.worldSize() == 1) {
            return List.of();
        }
        List<String> hashes = gather(weightHash());
        if (hashes.stream().distinct().count() != 1) {
            throw new IllegalStateException("replicas differ " + when + ": weight hashes by rank " + hashes
                    + " (they must start from the same weights and apply the same updates)");
        }
        return hashes;
    }

    /**
     * All-gathers {@code mine}: with {@code mustBeEqual} fails unless every rank has the same value, else returns a
     * hash of all values in rank order (e.g. one fingerprint of the data of all ranks). {@code mine} itself with a
     * world of one.
     */
    public String sameEverywhere(String what, String mine, boolean mustBeEqual) {
        if (collective.worldSize() == 1) {
            return mine;
        }
        List<String> all = gather(mine);
        if (mustBeEqual) {
            if (all.stream().distinct().count() != 1) {
                throw new IllegalStateException(what + " differs between ranks: " + all);
            }
            return mine;
        }
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            all.forEach(s -> md.update((s + "\n").getBytes(StandardCharsets.UTF_8)));
            return HexFormat.of().formatHex(md.digest(), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable in this JVM", e);
        }
    }

    private List<String> gather(String mine) {
        byte[][] all = collective.allGather(mine.getBytes(StandardCharsets.UTF_8));
        List<String> out = new ArrayList<>(all.length);
        for (byte[] b : all) {
            out.add(new String(b, StandardCharsets.UTF_8));
        }
        return out;
    }
}
