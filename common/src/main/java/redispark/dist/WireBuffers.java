package redispark.dist;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.ArrayDeque;

/**
 * One link's reused wire buffers (direct, little-endian, allocated once per ring): one segment to send and a small
 * pool of receive segments, so the next segment is read from the socket while an earlier one still waits to be
 * added. Also the views that move segments between them and the caller's floats: a float array, a FloatBuffer, or
 * little-endian bytes (direct byte buffers are sent from and received into in place wherever nothing is added or
 * converted), in float32 or bfloat16 on the wire ({@link WireFormat}).
 */
final class WireBuffers {

    /**
     * Additions go through small blocks (2 KiB of each operand) that stay in the L1 cache with room to spare, even
     * beside a sibling hyperthread; the add loop over two float arrays is one the JIT compiles to SIMD instructions.
     * {@code reduce_gbps} of {@link AllReduceBench} measures it.
     */
    static final int BLOCK_FLOATS = 512;

    /** Receive segments per link: one being filled by the socket, one waiting for its addition. */
    static final int RECEIVE_BUFFERS = 2;

    private final ByteBuffer sendBuf;
    private final FloatBuffer sendFloats;
    private final ShortBuffer sendHalves;
    private final ArrayDeque<ByteBuffer> freeReceives = new ArrayDeque<>();
    private final float[] blockA = new float[BLOCK_FLOATS];
    private final float[] blockB = new float[BLOCK_FLOATS];
    private final short[] halves = new short[BLOCK_FLOATS];

    WireBuffers(int segmentBytes) {
        sendBuf = ByteBuffer.allocateDirect(segmentBytes).order(ByteOrder.LITTLE_ENDIAN);
        sendFloats = sendBuf.asFloatBuffer();
        sendHalves = sendBuf.asShortBuffer();
        for (int i = 0; i < RECEIVE_BUFFERS; i++) {
            freeReceives.add(ByteBuffer.allocateDirect(segmentBytes).order(ByteOrder.LITTLE_ENDIAN));
        }
    }

    Span of(float[] data, WireFormat format) {
        return new Span(new ArrayFloats(data), null, format);
    }

    Span of(FloatBuffer data, WireFormat format) {
        return new Span(new BufferFloats(data), null, format);
    }

    /** The float32 values stored little-endian between position and limit of {@code data}. */
    Span ofLittleEndian(ByteBuffer data, WireFormat format) {
        int base = data.position();
        FloatBuffer floats = data.duplicate()
                .slice(base, data.remaining())
                .order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer();
        return new Span(new BufferFloats(floats), data, format);
    }

    /** A free receive segment with at least {@code bytes} of room, or null while all wait for their additions. */
    ByteBuffer takeReceive(int bytes) {
        ByteBuffer b = freeReceives.poll();
        if (b != null) {
            b.clear().limit(bytes);
        }
        return b;
    }

    void releaseReceive(ByteBuffer b) {
        freeReceives.add(b);
    }

    /** Bulk access to the caller's floats by element offset. */
    private interface Floats {
        void get(int at, float[] into, int n);

        void put(int at, float[] from, int n);
    }

    private record ArrayFloats(float[] data) implements Floats {
        @Override
        public void get(int at, float[] into, int n) {
            System.arraycopy(data, at, into, 0, n);
        }

        @Override
        public void put(int at, float[] from, int n) {
            System.arraycopy(from, 0, data, at, n);
        }
    }

    private record BufferFloats(FloatBuffer data, int base) implements Floats {
        BufferFloats(FloatBuffer data) {
            this(data, data.position());
        }

        @Override
        public void get(int at, float[] into, int n) {
            data.get(base + at, into, 0, n);
        }

        @Override
        public void put(int at, float[] from, int n) {
            data.put(base + at, from, 0, n);
        }
    }

    /** Where the floats of one call live, and how segments of them go on the wire. */
    final class Span {
        private final Floats floats;
        /** The caller's little-endian bytes, sent from and received into in place; null for arrays and FloatBuffers. */
        private final ByteBuffer raw;

        private final int rawBase;
        private final ByteBuffer outView;
        private final ByteBuffer inView;
        private final WireFormat format;

        private Span(Floats floats, ByteBuffer raw, WireFormat format) {
            this.floats = floats;
            this.raw = raw;
            this.format = format;
            this.rawBase = raw == null ? 0 : raw.position();
            this.outView = raw == null ? null : raw.duplicate();
            this.inView = raw == null ? null : raw.duplicate();
        }

        /** Bytes on the wire for {@code len} floats. */
        int wireBytes(int len) {
            return len * format.bytes();
        }

        /** Bytes to send for floats [off, off+len): a view of the caller's bytes, or a staged (converted) copy. */
        ByteBuffer stageOut(int off, int len) {
            if (raw != null && format == WireFormat.FP32) {
                return window(outView, off, len);
            }
            for (int from = 0; from < len; from += BLOCK_FLOATS) {
                int n = Math.min(BLOCK_FLOATS, len - from);
                floats.get(off + from, blockA, n);
                if (format == WireFormat.FP32) {
                    sendFloats.put(from, blockA, 0, n);
                } else {
                    Bf16.encode(blockA, halves, n);
                    sendHalves.put(from, halves, 0, n);
                }
            }
            return sendBuf.clear().limit(wireBytes(len));
        }

        /**
         * Where floats [off, off+len) arriving to be copied (not added) can land in place, or null when they go
         * through a receive segment and {@link #finish}.
         */
        ByteBuffer inPlace(int off, int len) {
            return raw != null && format == WireFormat.FP32 ? window(inView, off, len) : null;
        }

        /**
         * Completes a receive staged in {@code got}: {@code data[off+i] = got[i] + data[off+i]} when adding (the
         * sum rounded to the wire format when {@code round}, so the rank that finishes a chunk keeps exactly what
         * it sends), else {@code data[off+i] = got[i]}.
         */
        void finish(ByteBuffer got, int off, int len, boolean add, boolean round) {
            FloatBuffer gotFloats = format == WireFormat.FP32 ? got.asFloatBuffer() : null;
            ShortBuffer gotHalves = format == WireFormat.FP32 ? null : got.asShortBuffer();
            float[] a = blockA;
            float[] b = blockB;
            for (int from = 0; from < len; from += BLOCK_FLOATS) {
                int n = Math.min(BLOCK_FLOATS, len - from);
                if (gotFloats != null) {
                    gotFloats.get(from, a, 0, n);
                } else {
                    gotHalves.get(from, halves, 0, n);
                    Bf16.decode(halves, a, n);
                }
                if (add) {
                    floats.get(off + from, b, n);
                    addInto(a, b, n);
                    if (round && format == WireFormat.BF16) {
                        Bf16.round(b, n);
                    }
                    floats.put(off + from, b, n);
                } else {
                    floats.put(off + from, a, n);
                }
            }
        }

        private ByteBuffer window(ByteBuffer view, int off, int len) {
            view.clear();
            view.limit(rawBase + (off + len) * Float.BYTES).position(rawBase + off * Float.BYTES);
            return view;
        }
    }

    /** {@code b[i] = a[i] + b[i]} for i < n: the receive-side addition, in the operand order of the reference sum. */
    static void addInto(float[] a, float[] b, int n) {
        for (int i = 0; i < n; i++) {
            b[i] = a[i] + b[i];
        }
    }

    /** data[i] = received[i] + data[i] over all of {@code data}: the addition a receive does, for benchmarks. */
    void add(FloatBuffer received, FloatBuffer data) {
        int len = data.remaining();
        for (int from = 0; from < len; from += BLOCK_FLOATS) {
            int n = Math.min(BLOCK_FLOATS, len - from);
            received.get(from, blockA, 0, n);
            data.get(from, blockB, 0, n);
            addInto(blockA, blockB, n);
            data.put(from, blockB, 0, n);
        }
    }
}
