import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Compares ways to add a received segment of float32 into local little-endian floats in direct buffers, as the
 * ring all-reduce's receives do: the block loop the ring uses (bulk copies into two small float arrays and a plain
 * array loop the JIT turns into SIMD code), the same with the JDK's incubating Vector API straight on the buffers,
 * and a scalar getFloat/putFloat loop. Prints destination GB/s per CPU second of the best of 8 passes, three rounds.
 *
 * <pre>java --add-modules jdk.incubator.vector tools/reduce-kernels/ReduceKernels.java [segmentKiB=1024] [totalMiB=64]</pre>
 */
public class ReduceKernels {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int BLOCK = 512;
    static final float[] received = new float[BLOCK];
    static final float[] local = new float[BLOCK];

    static void blockLoop(FloatBuffer got, FloatBuffer data, int at, int len) {
        for (int from = 0; from < len; from += BLOCK) {
            int n = Math.min(BLOCK, len - from);
            got.get(from, received, 0, n);
            data.get(at + from, local, 0, n);
            for (int i = 0; i < n; i++) {
                local[i] = received[i] + local[i];
            }
            data.put(at + from, local, 0, n);
        }
    }

    static void vectorApi(ByteBuffer got, ByteBuffer data, int atBytes, int lenBytes) {
        int step = SPECIES.vectorByteSize();
        int upper = lenBytes - lenBytes % step;
        int i = 0;
        for (; i < upper; i += step) {
            FloatVector a = FloatVector.fromByteBuffer(SPECIES, got, i, ByteOrder.LITTLE_ENDIAN);
            FloatVector b = FloatVector.fromByteBuffer(SPECIES, data, atBytes + i, ByteOrder.LITTLE_ENDIAN);
            a.add(b).intoByteBuffer(data, atBytes + i, ByteOrder.LITTLE_ENDIAN);
        }
        scalar(got, data, atBytes + i, lenBytes - i, i);
    }

    static void scalar(ByteBuffer got, ByteBuffer data, int atBytes, int lenBytes, int gotAt) {
        for (int i = 0; i < lenBytes; i += 4) {
            data.putFloat(atBytes + i, got.getFloat(gotAt + i) + data.getFloat(atBytes + i));
        }
    }

    public static void main(String[] args) {
        int segment = (args.length > 0 ? Integer.parseInt(args[0]) : 1024) << 10;
        int total = (args.length > 1 ? Integer.parseInt(args[1]) : 64) << 20;
        ByteBuffer got = ByteBuffer.allocateDirect(segment).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer data = ByteBuffer.allocateDirect(total).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < segment; i += 4) {
            got.putFloat(i, 1f + (i & 1023) / 1024f);
        }
        FloatBuffer gotFloats = got.asFloatBuffer();
        FloatBuffer dataFloats = data.asFloatBuffer();
        var cpu = ManagementFactory.getThreadMXBean();
        System.out.println("# vector species " + SPECIES + ", segment " + (segment >> 10) + " KiB, " + (total >> 20)
                + " MiB of local floats");
        for (int round = 0; round < 3; round++) {
            for (String kernel : new String[] {"block_loop", "vector_api", "scalar"}) {
                long best = Long.MAX_VALUE;
                for (int pass = 0; pass < 8; pass++) {
                    long start = cpu.getCurrentThreadCpuTime();
                    for (int at = 0; at < total; at += segment) {
                        int len = Math.min(segment, total - at);
                        switch (kernel) {
                            case "block_loop" -> blockLoop(gotFloats, dataFloats, at / 4, len / 4);
                            case "vector_api" -> vectorApi(got, data, at, len);
                            default -> scalar(got, data, at, len, 0);
                        }
                    }
                    best = Math.min(best, cpu.getCurrentThreadCpuTime() - start);
                }
                System.out.printf("reduce kernel=%s gbps=%.2f%n", kernel, (double) total / best);
            }
        }
    }
}
