package redispark.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

/**
 * Moves float32 tensors between where they live and one reused host buffer, a bounded piece at a time. The gradient
 * exchange, the replica weight hash and checkpoint writes reach device tensors only through it, so their host
 * memory is this one buffer however large the model: a GPU tensor's {@code toByteBuffer} would instead make a new
 * whole-tensor host copy that lives until its manager closes.
 *
 * <p>The buffer is allocated by the layer kernel ({@code host_buffer}), page-locked where CUDA is available; the
 * copies are libtorch slice assignments between views, in place. A CPU tensor needs no buffer — a zero-copy view
 * of its memory serves — unless the mode is {@link Mode#FORCE}, which runs the staged path on the CPU too: the same
 * code a GPU replica runs, so CPU tests exercise it.
 *
 * <p>Not thread-safe: one per training replica.
 */
public final class HostStaging implements AutoCloseable {

    /** {@code auto}: stage tensors that are not in host memory; {@code force}: stage every tensor (tests, CPU checks). */
    public enum Mode {
        AUTO,
        FORCE;

        public String label() {
            return Labels.of(this);
        }

        public static Mode parse(String s) {
            return Labels.parse(Mode.class, s, "staging mode");
        }
    }

    /**
     * 4 MiB: the piece size of staged weight hashes and checkpoint writes. The gradient exchange grows the buffer to
     * its bucket ({@link #reserve}), which follows the model's size.
     */
    public static final int DEFAULT_BUFFER_BYTES = 4 << 20;

    private final Mode mode;
    private int bufferFloats;
    private NDManager manager;
    private NDArray buffer;
    private ByteBuffer view;

    /** @param bufferBytes size of the host buffer, a positive multiple of 4 */
    public HostStaging(Mode mode, int bufferBytes) {
        if (bufferBytes < Float.BYTES || bufferBytes % Float.BYTES != 0) {
            throw new IllegalArgumentException(
                    "staging buffer must be a positive multiple of 4 bytes, got " + bufferBytes);
        }
        this.mode = mode;
        this.bufferFloats = bufferBytes / Float.BYTES;
    }

    public Mode mode() {
        return mode;
    }

    public int bufferBytes() {
        return bufferFloats * Float.BYTES;
    }

    /**
     * Makes the buffer hold at least {@code bytes} (a positive multiple of 4): a larger one replaces it when next
     * used, so a buffer never shrinks and is allocated only where tensors are staged.
     */
    public void reserve(int bytes) {
        if (bytes < Float.BYTES || bytes % Float.BYTES != 0) {
            throw new IllegalArgumentException("staging buffer must be a positive multiple of 4 bytes, got " + bytes);
        }
        if (bytes > bufferBytes()) {
            close();
            bufferFloats = bytes / Float.BYTES;
        }
    }

    /** Whether {@code a} goes through the buffer: always when forced, else when it is not in host memory. */
    public boolean stages(NDArray a) {
        return mode == Mode.FORCE || !a.getDevice().equals(Device.cpu());
    }

    /**
     * The host buffer as little-endian float32 bytes, position 0 and limit its capacity; created (page-locked where
     * CUDA is available) on first use.
     */
    public ByteBuffer buffer() {
        if (view == null) {
            manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
            boolean pinned = Engine.getEngine("PyTorch").getGpuCount() > 0;
            buffer = LayerKernel.get().hostBuffer(manager, bufferFloats, pinned);
            view = buffer.toByteBuffer(true).order(ByteOrder.LITTLE_ENDIAN);
            if (view.capacity() != bufferBytes()) {
                throw new IllegalStateException(
                        "staging buffer view has " + view.capacity() + " bytes, expected " + bufferBytes());
            }
        }
        return view.clear();
    }

    /** Copies {@code floats} elements of {@code src} (flattened) from {@code srcAt} into the buffer at {@code bufferAt}. */
    public void toBuffer(NDArray src, long srcAt, int floats, int bufferAt) {
        checkRange(bufferAt, floats);
        buffer();
        copy(buffer, bufferAt, src, srcAt, floats);
    }

    /** Copies {@code floats} elements of the buffer from {@code bufferAt} into {@code dst} (flattened) at {@code dstAt}. */
    public void fromBuffer(NDArray dst, long dstAt, int floats, int bufferAt) {
        checkRange(bufferAt, floats);
        buffer();
        copy(dst, dstAt, buffer, bufferAt, floats);
    }

    /**
     * {@code dst[dstAt, dstAt + n) = src[srcAt, srcAt + n)} over both flattened, in place: libtorch's slice
     * assignment, which copies across devices directly (device to page-locked host memory and back) through views.
     */
    private static void copy(NDArray dst, long dstAt, NDArray src, long srcAt, int n) {
        if (dst.getDataType() != DataType.FLOAT32 || src.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException(
                    "staging copies float32 only, got " + src.getDataType() + " into " + dst.getDataType());
        }
        NDArray dstFlat = flat(dst);
        NDArray srcFlat = flat(src);
        try (NDArray part = srcFlat.get(new NDIndex().addSliceDim(srcAt, srcAt + n))) {
            JniUtils.indexSet(
                    (PtNDArray) dstFlat, (PtNDArray) part, new long[] {dstAt}, new long[] {dstAt + n}, new long[] {1});
        } finally {
            if (dstFlat != dst) {
                dstFlat.close();
            }
            if (srcFlat != src) {
                srcFlat.close();
            }
        }
    }

    /** {@code a} itself when it is one-dimensional, else a flat view of it (the caller closes it). */
    private static NDArray flat(NDArray a) {
        return a.getShape().dimension() == 1 ? a : a.reshape(-1);
    }

    /**
     * Hands the little-endian bytes of float32 tensor {@code a}, in order, to {@code sink}: one zero-copy view of its
     * memory when it is not staged, else buffer-sized pieces, each valid only during its call.
     */
    public void read(NDArray a, Consumer<ByteBuffer> sink) {
        if (a.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("staging reads float32 only, got " + a.getDataType());
        }
        if (!stages(a)) {
            sink.accept(a.toByteBuffer(true).order(ByteOrder.LITTLE_ENDIAN));
            return;
        }
        long size = a.size();
        for (long at = 0; at < size; at += bufferFloats) {
            int n = (int) Math.min(bufferFloats, size - at);
            toBuffer(a, at, n, 0);
            sink.accept(view.clear().limit(n * Float.BYTES));
        }
    }

    private void checkRange(int bufferAt, int floats) {
        if (bufferAt < 0 || floats < 0 || (long) bufferAt + floats > bufferFloats) {
            throw new IllegalArgumentException("staging range [" + bufferAt + ", " + ((long) bufferAt + floats)
                    + ") outside the buffer of " + bufferFloats + " floats");
        }
    }

    @Override
    public void close() {
        if (manager != null) {
            manager.close();
            manager = null;
            buffer = null;
            view = null;
        }
    }
}
