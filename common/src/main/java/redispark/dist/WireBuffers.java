package redispark.dist;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.ArrayDeque;
import java.util.List;

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
        return ofLittleEndian(List.of(data), format);
    }

    /**
     * The float32 values stored little-endian between position and limit of each of {@code pieces}, laid end to end
     * (e.g. the gradient slices of one bucket, each a view of its tensor): reduced in place, with no copy into one
     * buffer; a segment that lies within one piece is sent from and received into it directly.
     */
    Span ofLittleEndian(List<ByteBuffer> pieces, WireFormat format) {
        Pieces p = new Pieces(pieces);
        return new Span(p, p, format);
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

    /**
     * Little-endian float32 in direct or heap byte buffers laid end to end: bulk access by element offset, and
     * views of a range that lies within one piece.
     */
    private static final class Pieces implements Floats {
        /** Element offset where piece i starts; starts[pieces] is the total. */
        private final int[] starts;

        private final FloatBuffer[] floats;
        private final ByteBuffer[] outViews;
        private final ByteBuffer[] inViews;
        private final int[] bases;
        private int last;

        Pieces(List<ByteBuffer> pieces) {
            int n = pieces.size();
            starts = new int[n + 1];
            floats = new FloatBuffer[n];
            outViews = new ByteBuffer[n];
            inViews = new ByteBuffer[n];
            bases = new int[n];
            for (int i = 0; i < n; i++) {
                ByteBuffer b = pieces.get(i);
                bases[i] = b.position();
                floats[i] = b.duplicate()
                        .slice(b.position(), b.remaining())
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .asFloatBuffer();
                outViews[i] = b.duplicate();
                inViews[i] = b.duplicate();
                starts[i + 1] = starts[i] + b.remaining() / Float.BYTES;
            }
        }

        /** The piece holding element {@code at} (calls mostly walk forward, so the last answer is tried first). */
        private int piece(int at) {
            if (at >= starts[last] && at < starts[last + 1]) {
                return last;
            }
            int i = java.util.Arrays.binarySearch(starts, at);
            i = i >= 0 ? i : -i - 2;
            while (starts[i + 1] == at && i + 1 < floats.length) {
                i++; // skip empty pieces
            }
            last = i;
            return i;
        }

        @Override
        public void get(int at, float[] into, int n) {
            copy(at, into, n, false);
        }

        @Override
        public void put(int at, float[] from, int n) {
            copy(at, from, n, true);
        }

        /** Copies {@code n} floats between {@code array} and the pieces from element {@code at}, piece by piece. */
        private void copy(int at, float[] array, int n, boolean intoPieces) {
            int done = 0;
            while (done < n) {
                int p = piece(at + done);
                int k = Math.min(n - done, starts[p + 1] - (at + done));
                if (intoPieces) {
                    floats[p].put(at + done - starts[p], array, done, k);
                } else {
                    floats[p].get(at + done - starts[p], array, done, k);
                }
                done += k;
            }
        }

        /** The bytes of floats [off, off+len) when they lie within one piece, else null. */
        ByteBuffer window(boolean out, int off, int len) {
            if (len == 0) {
                return null;
            }
            int p = piece(off);
            if (off + len > starts[p + 1]) {
                return null;
            }
            ByteBuffer view = out ? outViews[p] : inViews[p];
            int from = bases[p] + (off - starts[p]) * Float.BYTES;
            view.clear();
            view.limit(from + len * Float.BYTES).position(from);
            return view;
        }
    }

    /** Where the floats of one call live, and how segments of them go on the wire. */
    final class Span {
        private final Floats floats;
        /** The caller's little-endian bytes, sent from and received into in place; null for arrays and FloatBuffers. */
        private final Pieces raw;

        private final WireFormat format;

        private Span(Floats floats, Pieces raw, WireFormat format) {
            this.floats = floats;
            this.raw = raw;
            this.format = format;
        }

        /** Bytes on the wire for {@code len} floats. */
        int wireBytes(int len) {
            return len * format.bytes();
        }

        /** Bytes to send for floats [off, off+len): a view of the caller's bytes, or a staged (converted) copy. */
        ByteBuffer stageOut(int off, int len) {
            ByteBuffer view = raw != null && format == WireFormat.FP32 ? raw.window(true, off, len) : null;
            if (view != null) {
                return view;
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
            return raw != null && format == WireFormat.FP32 ? raw.window(false, off, len) : null;
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
