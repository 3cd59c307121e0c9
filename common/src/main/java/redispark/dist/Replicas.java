package redispark.dist;

import ai.djl.ndarray.NDArray;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The data-parallel side of one model replica: sums the gradients over all ranks through {@link GradientBuckets}
 * (in the parameters' own order, which the model fixes from its config, the same in every process), and proves
 * that the replicas hold the same weights (a SHA-256 of every weight, all-gathered).
 *
 * <p>Gradients are reduced in place through zero-copy views ({@code toByteBuffer(true)}), no float[] copies
 * (stack-probe §1). With a world of one every method is free and no hash is computed.
 */
public final class Replicas {
    private final List<String> names;
    private final List<NDArray> weights;
    private final Collective collective;
    private GradientBuckets buckets;

    /** @param parameters name → live weight, in the model's canonical order */
    public Replicas(Map<String, NDArray> parameters, Collective collective) {
        this.names = List.copyOf(parameters.keySet());
        this.weights = List.copyOf(parameters.values());
        this.collective = collective;
    }

    /** Sums every parameter's gradient over all ranks, in place; the result is bit-identical on every rank. */
    public void sumGradients() {
        if (collective.worldSize() == 1) {
            return;
        }
        if (buckets == null) {
            long[] sizes = new long[weights.size()];
            for (int i = 0; i < sizes.length; i++) {
                sizes[i] = weights.get(i).size();
            }
            buckets = new GradientBuckets(names, sizes, GradientBuckets.DEFAULT_BUCKET_BYTES);
            buckets.checkSameLayout(collective);
        }
        List<NDArray> gradients = new ArrayList<>(weights.size());
        try {
            List<ByteBuffer> views = new ArrayList<>(weights.size());
            for (NDArray w : weights) {
                NDArray g = w.getGradient();
                gradients.add(g);
                views.add(g.toByteBuffer(true));
            }
            buckets.allReduce(collective, views, 1f);
        } finally {
            gradients.forEach(NDArray::close);
        }
    }

    /** SHA-256 (first 16 hex digits) of every weight's bytes in canonical order. */
    public String weightHash() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (int i = 0; i < weights.size(); i++) {
                md.update(names.get(i).getBytes(StandardCharsets.UTF_8));
                md.update(weights.get(i).toByteBuffer(true).duplicate());
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
