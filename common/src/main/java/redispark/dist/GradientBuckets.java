package redispark.dist;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reduces a model's gradients bucket by bucket: the tensors, in one canonical order that every rank uses (sort the
 * parameters by name; DJL's own parameter order is not stable across processes), are laid end to end and cut into
 * buckets of at most {@code bucketBytes}; a tensor may span buckets. Each step all-reduces bucket b's slices and
 * divides the result (optionally), for b = 0, 1, ... on every rank: a {@link RingCollective} reduces little-endian
 * tensor views where they are, as one array of the bucket's slices laid end to end; float arrays, staged tensors
 * and other collectives go through one reused direct buffer, copied in and back. Few large reductions instead of
 * one per tensor: the ring's per-call latency is paid per bucket.
 *
 * <p>Result bits: every element of bucket b is summed in the ring order of that bucket's all-reduce, so the result is
 * {@link RingCollective#referenceSum} applied to each bucket's flattened contents, then divided by
 * {@code divisor} (float32 division, skipped when it is 1). Identical on every rank.
 *
 * <p>Not thread-safe; one instance per worker, built once from the parameter sizes.
 */
public final class GradientBuckets {

    /**
     * 32 MiB, the largest bucket {@link #bucketBytesFor} picks: at cluster rates (10 GB/s and more) an all-reduce of
     * it takes milliseconds, so its per-call latency (a header round trip, tens of microseconds) costs about 1 %,
     * while it bounds the staging buffer of a GPU replica.
     */
    public static final int MAX_BUCKET_BYTES = 32 << 20;

    /** Buckets are whole multiples of this (the staging buffer's pieces stay page-aligned). */
    static final int BUCKET_GRAIN_BYTES = 64 << 10;

    /**
     * The bucket size for a model of {@code totalFloats} float32 gradients: the whole model in one bucket while it
     * fits in {@link #MAX_BUCKET_BYTES} (the tiny student: one call per step), else the fewest buckets of at most that
     * size, evened out (the 1.5 B student, 6.2 GB: 185 buckets of 32 MiB); rounded up to 64 KiB.
     */
    public static int bucketBytesFor(long totalFloats) {
        long bytes = Math.max(1, totalFloats) * Float.BYTES;
        long buckets = (bytes + MAX_BUCKET_BYTES - 1) / MAX_BUCKET_BYTES;
        long even = (bytes + buckets - 1) / buckets;
        long rounded = (even + BUCKET_GRAIN_BYTES - 1) / BUCKET_GRAIN_BYTES * BUCKET_GRAIN_BYTES;
        return (int) Math.min(MAX_BUCKET_BYTES, rounded);
    }

    private final List<String> names;
    private final long[] sizes;
    private final int bucketFloats;
    private final long totalFloats;
    /** Slice s: tensor, offset in the tensor, length, offset in its bucket; bucket b owns slices [first[b], first[b+1]). */
    private final int[] sliceTensor;

    private final int[] sliceTensorOffset;
    private final int[] sliceLength;
    private final int[] sliceBucketOffset;
    private final int[] bucketFirstSlice;
    private final int[] bucketLength;
    private ByteBuffer bucket;
    private float[] scratch;

    /**
     * @param names tensor names in canonical order (used for the layout fingerprint and error messages)
     * @param sizes number of float32 elements of each tensor, same order
     * @param bucketBytes bucket capacity in bytes, a positive multiple of 4
     */
    public GradientBuckets(List<String> names, long[] sizes, int bucketBytes) {
        if (names.size() != sizes.length) {
            throw new IllegalArgumentException(names.size() + " names for " + sizes.length + " tensor sizes");
        }
        if (bucketBytes < Float.BYTES || bucketBytes % Float.BYTES != 0) {
            throw new IllegalArgumentException("bucketBytes must be a positive multiple of 4, got " + bucketBytes);
        }
        this.names = List.copyOf(names);
        this.sizes = sizes.clone();
        this.bucketFloats = bucketBytes / Float.BYTES;
        long total = 0;
        for (int t = 0; t < sizes.length; t++) {
            if (sizes[t] < 0 || sizes[t] > Integer.MAX_VALUE / Float.BYTES) {
                throw new IllegalArgumentException("tensor " + t + " (" + names.get(t) + ") has " + sizes[t]
                        + " floats; each tensor must hold 0.." + Integer.MAX_VALUE / Float.BYTES);
            }
            total += sizes[t];
        }
        this.totalFloats = total;
        int buckets = (int) ((total + bucketFloats - 1) / bucketFloats);
        List<int[]> slices = new ArrayList<>();
        bucketFirstSlice = new int[buckets + 1];
        bucketLength = new int[buckets];
        int b = 0;
        int used = 0;
        for (int t = 0; t < sizes.length; t++) {
            int done = 0;
            while (done < sizes[t]) {
                if (used == bucketFloats) {
                    bucketLength[b] = used;
                    b++;
                    bucketFirstSlice[b] = slices.size();
                    used = 0;
                }
                int len = (int) Math.min(sizes[t] - done, bucketFloats - used);
                slices.add(new int[] {t, done, len, used});
                done += len;
                used += len;
            }
        }
        if (buckets > 0) {
            bucketLength[b] = used;
        }
        bucketFirstSlice[buckets] = slices.size();
        int n = slices.size();
        sliceTensor = new int[n];
        sliceTensorOffset = new int[n];
        sliceLength = new int[n];
        sliceBucketOffset = new int[n];
        for (int s = 0; s < n; s++) {
            int[] x = slices.get(s);
            sliceTensor[s] = x[0];
            sliceTensorOffset[s] = x[1];
            sliceLength[s] = x[2];
            sliceBucketOffset[s] = x[3];
        }
    }

    /** Unnamed tensors ({@code t0, t1, ...}). */
    public GradientBuckets(long[] sizes, int bucketBytes) {
        this(defaultNames(sizes.length), sizes, bucketBytes);
    }

    private static List<String> defaultNames(int n) {
        List<String> names = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            names.add("t" + i);
        }
        return names;
    }

    public int tensorCount() {
        return sizes.length;
    }

    public long totalFloats() {
        return totalFloats;
    }

    public int bucketCount() {
        return bucketLength.length;
    }

    /** Number of floats in bucket b (all buckets are full except the last). */
    public int bucketLength(int b) {
        return bucketLength[b];
    }

    /** The flat index (tensors laid end to end) where bucket b starts. */
    public long bucketStart(int b) {
        return (long) b * bucketFloats;
    }

    /** SHA-256 over names, sizes and bucket size, first 8 bytes: equal on all ranks iff the layouts are equal. */
    public long fingerprint() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer b = ByteBuffer.allocate(12);
            md.update(b.putInt(bucketFloats).putLong(sizes.length).array());
            for (int t = 0; t < sizes.length; t++) {
                byte[] name = names.get(t).getBytes(StandardCharsets.UTF_8);
                md.update(ByteBuffer.allocate(12)
                        .putInt(name.length)
                        .putLong(sizes[t])
                        .array());
                md.update(name);
            }
            return ByteBuffer.wrap(md.digest()).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable in this JVM", e);
        }
    }

    /**
     * All-gathers the layout fingerprint and fails, naming the ranks that differ from rank 0, unless every rank has
     * the same tensors in the same order. Call once before training (a collective call: every rank must make it).
     */
    public void checkSameLayout(Collective collective) {
        byte[] mine = ByteBuffer.allocate(8).putLong(fingerprint()).array();
        byte[][] all = collective.allGather(mine);
        List<Integer> differ = new ArrayList<>();
        for (int r = 1; r < all.length; r++) {
            if (!java.util.Arrays.equals(all[r], all[0])) {
                differ.add(r);
            }
        }
        if (!differ.isEmpty()) {
            throw new IllegalStateException("gradient layout differs between ranks: ranks " + differ
                    + " do not match rank 0 (this is rank " + collective.rank() + " with " + sizes.length
                    + " tensors, " + totalFloats + " floats); every rank must list the same parameters in the same "
                    + "order");
        }
    }

    /**
     * Sums every tensor over all ranks in place, then divides by {@code divisor} (1 for the plain sum, the world size
     * for the mean). Tensor t is the little-endian float32 bytes between position and limit of {@code tensors.get(t)}
     * (whatever the buffer's byte order flag), e.g. a direct view of a gradient; positions and limits are unchanged.
     */
    public void allReduce(Collective collective, List<ByteBuffer> tensors, float divisor) {
        checkCount(tensors.size());
        for (int t = 0; t < sizes.length; t++) {
            if (tensors.get(t).remaining() != sizes[t] * Float.BYTES) {
                throw new IllegalArgumentException("tensor " + t + " (" + names.get(t) + ") has "
                        + tensors.get(t).remaining() + " bytes, the layout says " + sizes[t] * Float.BYTES);
            }
        }
        if (collective instanceof RingCollective ring && ring.worldSize() > 1) {
            reduceInPlace(ring, tensors, divisor);
            return;
        }
        reduce(collective, divisor, ownBucket(), (s, toBucket) -> {
            ByteBuffer tensor = tensors.get(sliceTensor[s]);
            int at = tensor.position() + sliceTensorOffset[s] * Float.BYTES;
            int bucketAt = sliceBucketOffset[s] * Float.BYTES;
            int bytes = sliceLength[s] * Float.BYTES;
            if (toBucket) {
                bucket.put(bucketAt, tensor, at, bytes);
            } else {
                tensor.put(at, bucket, bucketAt, bytes);
            }
        });
    }

    /**
     * Where the tensors are not memory the collective can read (a GPU's): each slice moves between its tensor and
     * the caller's host bucket through {@code staged}, whose copies run before and after each bucket's reduction.
     */
    public interface Staged {
        /** The host bucket: little-endian float32 bytes, at least one bucket of capacity, position 0. */
        ByteBuffer bucket();

        /** Copies {@code length} floats of tensor {@code tensor} from {@code tensorOffset} into the bucket at {@code bucketOffset}. */
        void toBucket(int tensor, long tensorOffset, int length, int bucketOffset);

        /** The reverse of {@link #toBucket}: the reduced floats back into the tensor. */
        void fromBucket(int tensor, long tensorOffset, int length, int bucketOffset);
    }

    /**
     * {@link #allReduce(Collective, List, float)} for tensors reached through {@code staged}: the same buckets, the
     * same ring order and the same result bits, with each slice copied out before and written back after.
     */
    public void allReduceStaged(Collective collective, Staged staged, float divisor) {
        ByteBuffer host = staged.bucket();
        if (bucketCount() > 0 && host.capacity() < bucketLength[0] * Float.BYTES) {
            throw new IllegalArgumentException("staging bucket holds " + host.capacity() + " bytes, a bucket needs "
                    + bucketLength[0] * Float.BYTES);
        }
        reduce(collective, divisor, host, (s, toBucket) -> {
            if (toBucket) {
                staged.toBucket(sliceTensor[s], sliceTensorOffset[s], sliceLength[s], sliceBucketOffset[s]);
            } else {
                staged.fromBucket(sliceTensor[s], sliceTensorOffset[s], sliceLength[s], sliceBucketOffset[s]);
            }
        });
    }

    /** {@link #allReduce(Collective, List, float)} for tensors held in float arrays. */
    public void allReduceArrays(Collective collective, List<float[]> tensors, float divisor) {
        checkCount(tensors.size());
        for (int t = 0; t < sizes.length; t++) {
            if (tensors.get(t).length != sizes[t]) {
                throw new IllegalArgumentException("tensor " + t + " (" + names.get(t) + ") has "
                        + tensors.get(t).length + " floats, the layout says " + sizes[t]);
            }
        }
        ByteBuffer own = ownBucket();
        FloatBuffer floats = own == null ? null : own.asFloatBuffer();
        reduce(collective, divisor, own, (s, toBucket) -> {
            float[] tensor = tensors.get(sliceTensor[s]);
            if (toBucket) {
                floats.put(sliceBucketOffset[s], tensor, sliceTensorOffset[s], sliceLength[s]);
            } else {
                floats.get(sliceBucketOffset[s], tensor, sliceTensorOffset[s], sliceLength[s]);
            }
        });
    }

    private void checkCount(int given) {
        if (given != sizes.length) {
            throw new IllegalArgumentException(given + " tensors given, the layout has " + sizes.length);
        }
    }

    @FunctionalInterface
    private interface SliceCopy {
        void copy(int slice, boolean toBucket);
    }

    /** This instance's own direct bucket, made on first use (null when there is nothing to reduce). */
    private ByteBuffer ownBucket() {
        if (bucket == null && bucketCount() > 0) {
            bucket = ByteBuffer.allocateDirect(bucketLength[0] * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        }
        return bucket;
    }

    /**
     * The ring reduces each bucket's slices where they are, as views of the tensors laid end to end: no copy into a
     * bucket and back, the same chunking and summation order (so the same bits) as through a bucket.
     */
    private void reduceInPlace(RingCollective ring, List<ByteBuffer> tensors, float divisor) {
        checkDivisor(divisor);
        if (scratch == null && bucketCount() > 0) {
            scratch = new float[Math.min(bucketLength[0], 1 << 16)];
        }
        for (int b = 0; b < bucketCount(); b++) {
            List<ByteBuffer> slices = new ArrayList<>(bucketFirstSlice[b + 1] - bucketFirstSlice[b]);
            for (int s = bucketFirstSlice[b]; s < bucketFirstSlice[b + 1]; s++) {
                ByteBuffer tensor = tensors.get(sliceTensor[s]);
                int at = tensor.position() + sliceTensorOffset[s] * Float.BYTES;
                slices.add(tensor.duplicate()
                        .clear()
                        .position(at)
                        .limit(at + sliceLength[s] * Float.BYTES)
                        .slice()
                        .order(ByteOrder.LITTLE_ENDIAN));
            }
            ring.allReduceSumLittleEndian(slices);
            if (divisor != 1f) {
                for (ByteBuffer slice : slices) {
                    divide(slice.asFloatBuffer(), slice.remaining() / Float.BYTES, divisor);
                }
            }
        }
    }

    private static void checkDivisor(float divisor) {
        if (!(divisor > 0) || Float.isInfinite(divisor)) {
            throw new IllegalArgumentException("divisor must be positive and finite, got " + divisor);
        }
    }

    private void reduce(Collective collective, float divisor, ByteBuffer host, SliceCopy copy) {
        checkDivisor(divisor);
        if (collective.worldSize() == 1 && divisor == 1f) {
            return;
        }
        if (scratch == null && bucketCount() > 0) {
            scratch = new float[Math.min(bucketLength[0], 1 << 16)];
        }
        for (int b = 0; b < bucketCount(); b++) {
            int first = bucketFirstSlice[b];
            int last = bucketFirstSlice[b + 1];
            host.clear();
            for (int s = first; s < last; s++) {
                copy.copy(s, true);
            }
            host.limit(bucketLength[b] * Float.BYTES);
            if (collective instanceof RingCollective ring) {
                ring.allReduceSumLittleEndian(host);
            } else {
                collective.allReduceSum(host.asFloatBuffer());
            }
            if (divisor != 1f) {
                divide(host.asFloatBuffer(), bucketLength[b], divisor);
            }
            for (int s = first; s < last; s++) {
                copy.copy(s, false);
            }
        }
    }

    private void divide(FloatBuffer floats, int length, float divisor) {
        for (int from = 0; from < length; from += scratch.length) {
            int len = Math.min(scratch.length, length - from);
            floats.get(from, scratch, 0, len);
            for (int i = 0; i < len; i++) {
                scratch[i] = scratch[i] / divisor;
            }
            floats.put(from, scratch, 0, len);
        }
    }
}
