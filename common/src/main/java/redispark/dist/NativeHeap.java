package redispark.dist;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Structure;

/**
 * Bytes the C allocator has handed out and not had back ({@code mallinfo2}: in-use heap chunks plus mmapped
 * blocks), over all threads' arenas: libtorch's tensors and every other native allocation, without the Java heap
 * and without memory the allocator keeps after a free. Resident size alone cannot tell a leak from memory glibc
 * holds on to, or from Java heap pages the collector touches; this can. -1 where glibc's {@code mallinfo2} is absent.
 */
public final class NativeHeap {

    private NativeHeap() {}

    /** glibc's {@code struct mallinfo2}: ten {@code size_t} fields. */
    @Structure.FieldOrder({
        "arena",
        "ordblks",
        "smblks",
        "hblks",
        "hblkhd",
        "usmblks",
        "fsmblks",
        "uordblks",
        "fordblks",
        "keepcost"
    })
    public static final class MallInfo2 extends Structure implements Structure.ByValue {
        public long arena;
        public long ordblks;
        public long smblks;
        public long hblks;
        public long hblkhd;
        public long usmblks;
        public long fsmblks;
        public long uordblks;
        public long fordblks;
        public long keepcost;
    }

    /** In-use native heap in MiB, or -1 where it cannot be read. */
    public static double inUseMib() {
        MallInfo2 info = read();
        return info == null ? -1 : (info.uordblks + info.hblkhd) / (1024.0 * 1024.0);
    }

    /**
     * Native heap the allocator holds from the system in MiB (in use or free for reuse; what resident memory can
     * grow to as the allocator touches its free space), or -1 where it cannot be read.
     */
    public static double reservedMib() {
        MallInfo2 info = read();
        return info == null ? -1 : (info.arena + info.hblkhd) / (1024.0 * 1024.0);
    }

    /** glibc's current statistics, or null where {@code mallinfo2} cannot be called. */
    private static MallInfo2 read() {
        try {
            Function f = NativeLibrary.getInstance("c").getFunction("mallinfo2");
            return (MallInfo2) f.invoke(MallInfo2.class, new Object[0]);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return null;
        }
    }
}
