package redispark.dist;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * One rank's reused wire buffers (direct, little-endian, one segment each way, allocated once per ring) and the
 * views that move segments between them and the caller's floats: a float array, a FloatBuffer, or little-endian
 * bytes (direct byte buffers are sent from and received into without staging, except where values are added).
 */
final class WireBuffers {

    /**
     * Additions go through small blocks (2 KiB of each operand) that stay in the L1 cache with room to spare, even
     * beside a sibling hyperthread: the copy-add-copy loop then runs about twice as fast per CPU second as with
     * 16 KiB blocks ({@code reduce_gbps} of {@link AllReduceBench}), and as fast as a Vector API loop on the buffers.
     */
    private static final int ADD_BLOCK_FLOATS = 512;

    private final ByteBuffer sendBuf;
    private final ByteBuffer recvBuf;
    private final FloatBuffer sendFloats;
    private final FloatBuffer recvFloats;
    private final float[] scratchA;
    private final float[] scratchB;

    WireBuffers(int segmentBytes) {
        sendBuf = ByteBuffer.allocateDirect(segmentBytes).order(ByteOrder.LITTLE_ENDIAN);
        recvBuf = ByteBuffer.allocateDirect(segmentBytes).order(ByteOrder.LITTLE_ENDIAN);
        sendFloats = sendBuf.asFloatBuffer();
        recvFloats = recvBuf.asFloatBuffer();
        int block = Math.min(segmentBytes / Float.BYTES, ADD_BLOCK_FLOATS);
        scratchA = new float[block];
        scratchB = new float[block];
    }

    Span of(float[] data) {
        return new ArraySpan(data);
    }

    Span of(FloatBuffer data) {
        return new BufferSpan(data);
    }

    /** The float32 values stored little-endian between position and limit of {@code data}. */
    Span ofLittleEndian(ByteBuffer data) {
        return new RawSpan(data);
    }

    /** Where the floats of one call live; moves segments between them and the wire buffers. */
    abstract static class Span {
        /** Bytes to send for floats [off, off+len): a staged copy or a view of the data. */
        abstract ByteBuffer stageOut(int off, int len);

        /** Where to read len floats destined for [off, off+len), to be added ({@code add}) or copied. */
        abstract ByteBuffer recvTarget(int off, int len, boolean add);

        /** Completes a receive: data[off+i] = received[i] + data[off+i] when adding, else stores a staged copy. */
        abstract void finishRecv(int off, int len, boolean add);
    }

    private ByteBuffer staged(int len) {
        sendBuf.clear().limit(len * Float.BYTES);
        return sendBuf;
    }

    private ByteBuffer receiving(int len) {
        recvBuf.clear().limit(len * Float.BYTES);
        return recvBuf;
    }

    private final class ArraySpan extends Span {
        private final float[] data;

        ArraySpan(float[] data) {
            this.data = data;
        }

        @Override
        ByteBuffer stageOut(int off, int len) {
            sendFloats.put(0, data, off, len);
            return staged(len);
        }

        @Override
        ByteBuffer recvTarget(int off, int len, boolean add) {
            return receiving(len);
        }

        @Override
        void finishRecv(int off, int len, boolean add) {
            if (add) {
                float[] got = scratchA;
                float[] d = data;
                for (int from = 0; from < len; from += got.length) {
                    int block = Math.min(got.length, len - from);
                    recvFloats.get(from, got, 0, block);
                    int at = off + from;
                    for (int i = 0; i < block; i++) {
                        d[at + i] = got[i] + d[at + i];
                    }
                }
            } else {
                recvFloats.get(0, data, off, len);
            }
        }
    }

    private final class BufferSpan extends Span {
        private final FloatBuffer data;
        private final int base;

        BufferSpan(FloatBuffer data) {
            this.data = data;
            this.base = data.position();
        }

        @Override
        ByteBuffer stageOut(int off, int len) {
            sendFloats.put(0, data, base + off, len);
            return staged(len);
        }

        @Override
        ByteBuffer recvTarget(int off, int len, boolean add) {
            return receiving(len);
        }

        @Override
        void finishRecv(int off, int len, boolean add) {
            if (add) {
                addInto(recvFloats, data, base + off, len);
            } else {
                data.put(base + off, recvFloats, 0, len);
            }
        }
    }

    /** Little-endian floats in a byte buffer; direct buffers are sent from and copied into without staging. */
    private final class RawSpan extends Span {
        private final int base;
        private final ByteBuffer outView;
        private final ByteBuffer inView;
        private final FloatBuffer floats;

        RawSpan(ByteBuffer data) {
            this.base = data.position();
            this.outView = data.duplicate();
            this.inView = data.duplicate();
            this.floats = data.duplicate()
                    .slice(base, data.remaining())
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer();
        }

        private ByteBuffer window(ByteBuffer view, int off, int len) {
            view.clear();
            view.limit(base + (off + len) * Float.BYTES).position(base + off * Float.BYTES);
            return view;
        }

        @Override
        ByteBuffer stageOut(int off, int len) {
            return window(outView, off, len);
        }

        @Override
        ByteBuffer recvTarget(int off, int len, boolean add) {
            return add ? receiving(len) : window(inView, off, len);
        }

        @Override
        void finishRecv(int off, int len, boolean add) {
            if (add) {
                addInto(recvFloats, floats, off, len);
            }
        }
    }

    /** data[i] = received[i] + data[i] over all of {@code data}: the addition a receive does, for benchmarks. */
    void add(FloatBuffer received, FloatBuffer data) {
        addInto(received, data, 0, data.remaining());
    }

    /** data[at+i] = received[i] + data[at+i] for i < len, through the scratch arrays (vectorisable loop). */
    private void addInto(FloatBuffer received, FloatBuffer data, int at, int len) {
        float[] got = scratchA;
        float[] mine = scratchB;
        for (int from = 0; from < len; from += got.length) {
            int block = Math.min(got.length, len - from);
            received.get(from, got, 0, block);
            data.get(at + from, mine, 0, block);
            for (int i = 0; i < block; i++) {
                mine[i] = got[i] + mine[i];
            }
            data.put(at + from, mine, 0, block);
        }
    }
}
