package redispark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small reader and writer for the <a href="https://github.com/huggingface/safetensors">safetensors</a> format.
 *
 * <p>Layout: 8-byte little-endian header length N, then N bytes of UTF-8 JSON
 * {@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}}, then the data
 * section; offsets are relative to its start, and the data is little-endian and row-major.
 *
 * <p>The header is validated before anything is allocated: length cap, JSON shape, known dtype, shape × element size =
 * byte length (overflow-checked), offsets inside the data section, and no two tensors overlapping. A corrupt or
 * hostile file is therefore a clear {@link IllegalArgumentException} naming the file (and the tensor), never an OOM.
 *
 * <p>Floating-point tensors are widened to FLOAT32 in Java (BF16 is {@code bits << 16}; F16 via
 * {@link #halfToFloat}), because DJL 0.36 aborts the JVM on any operation that creates or converts a BF16 array (its native type switch has
 * no case for it). Each tensor is read
 * through its own {@link FileChannel#map} region, so a tensor must be under 2 GB (0.5 G floats).
 */
public final class Safetensors implements AutoCloseable {

    /** Same cap as the reference implementation: a header above 100 MB is refused before it is read. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** Element types we read; the name is the header's {@code dtype} string. */
    public enum DType {
        F64(8),
        F32(4),
        F16(2),
        BF16(2),
        I64(8),
        I32(4);

        private final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        /** Bytes per element. */
        public int bytes() {
            return bytes;
        }

        static DType parse(String s) {
            for (DType d : values()) {
                if (d.name().equals(s)) {
                    return d;
                }
            }
            return null;
        }
    }

    /**
     * One header entry.
     *
     * @param name tensor name
     * @param dtype element type
     * @param shape dimensions (empty for a scalar)
     * @param begin first byte in the data section
     * @param end one past the last byte in the data section
     */
    public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {
        /** Number of elements. */
        public long numel() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        /** The shape as a DJL {@link Shape}. */
        public Shape djlShape() {
            return new Shape(shape);
        }
    }

    /**
     * A tensor to write: raw little-endian bytes plus dtype and shape (lets tests write BF16/F16 from Java bits).
     *
     * @param name tensor name
     * @param dtype element type
     * @param shape dimensions
     * @param data exactly numel × dtype.bytes() little-endian bytes
     */
    public record RawTensor(String name, DType dtype, long[] shape, byte[] data) {}

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final LinkedHashMap<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private Safetensors(
            Path file,
            FileChannel channel,
            long dataStart,
            LinkedHashMap<String, TensorInfo> tensors,
            Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens a file and validates its header; tensors are read lazily with {@link #load}. */
    public static Safetensors open(Path file) {
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
            long size = ch.size();
            if (size < 8) {
                throw bad(file, "file is " + size + " bytes, shorter than the 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
                throw bad(
                        file,
                        "header length " + Long.toUnsignedString(headerLen) + " is outside [2, " + MAX_HEADER_BYTES
                                + "]");
            }
            if (headerLen > size - 8) {
                throw bad(file, "header length " + headerLen + " exceeds the file size " + size + " (truncated file?)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            Header h = parseHeader(file, new String(hb.array(), StandardCharsets.UTF_8), dataLen);
            return new Safetensors(file, ch, dataStart, h.tensors, h.metadata);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new UncheckedIOException("cannot read safetensors file " + file, e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private record Header(LinkedHashMap<String, TensorInfo> tensors, Map<String, String> metadata) {}

    private static Header parseHeader(Path file, String text, long dataLen) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw bad(file, "header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw bad(file, "header is not a JSON object");
        }
        LinkedHashMap<String, TensorInfo> out = new LinkedHashMap<>();
        Map<String, String> meta = new LinkedHashMap<>();
        var fields = root.fields();
        while (fields.hasNext()) {
            var f = fields.next();
            String name = f.getKey();
            JsonNode e = f.getValue();
            if (name.equals("__metadata__")) {
                if (!e.isObject()) {
                    throw bad(file, "__metadata__ is not an object");
                }
                e.fields()
                        .forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            if (!e.isObject()) {
                throw bad(file, "tensor '" + name + "': entry is not an object");
            }
            DType dtype = DType.parse(e.path("dtype").asText(""));
            if (dtype == null) {
                throw bad(
                        file,
                        "tensor '" + name + "': unsupported dtype '"
                                + e.path("dtype").asText("") + "'");
            }
            JsonNode shapeNode = e.get("shape");
            if (shapeNode == null || !shapeNode.isArray()) {
                throw bad(file, "tensor '" + name + "': missing shape array");
            }
            long[] shape = new long[shapeNode.size()];
            long numel = 1;
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = shapeNode.get(i);
                if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                    throw bad(file, "tensor '" + name + "': bad dimension " + d + " in shape " + shapeNode);
                }
                shape[i] = d.asLong();
                try {
                    numel = Math.multiplyExact(numel, shape[i]);
                } catch (ArithmeticException ex) {
                    throw bad(file, "tensor '" + name + "': shape " + shapeNode + " overflows");
                }
            }
            JsonNode off = e.get("data_offsets");
            if (off == null
                    || !off.isArray()
                    || off.size() != 2
                    || !off.get(0).isIntegralNumber()
                    || !off.get(1).isIntegralNumber()
                    || !off.get(0).canConvertToLong()
                    || !off.get(1).canConvertToLong()) {
                throw bad(file, "tensor '" + name + "': data_offsets must be [begin, end]");
            }
            long begin = off.get(0).asLong();
            long end = off.get(1).asLong();
            if (begin < 0 || end < begin) {
                throw bad(file, "tensor '" + name + "': data_offsets [" + begin + ", " + end + "] are not ordered");
            }
            if (end > dataLen) {
                throw bad(
                        file,
                        "tensor '" + name + "': data_offsets end " + end + " is past the data section (" + dataLen
                                + " bytes; truncated file?)");
            }
            long expected;
            try {
                expected = Math.multiplyExact(numel, (long) dtype.bytes());
            } catch (ArithmeticException ex) {
                throw bad(file, "tensor '" + name + "': byte size overflows");
            }
            if (end - begin != expected) {
                throw bad(
                        file,
                        "tensor '" + name + "': " + (end - begin) + " bytes for " + dtype + " " + Arrays.toString(shape)
                                + ", expected " + expected);
            }
            out.put(name, new TensorInfo(name, dtype, shape, begin, end));
        }
        List<TensorInfo> sorted = new ArrayList<>(out.values());
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo a = sorted.get(i - 1);
            TensorInfo b = sorted.get(i);
            if (b.begin() < a.end()) {
                throw bad(file, "tensors '" + a.name() + "' and '" + b.name() + "' overlap");
            }
        }
        return new Header(out, Collections.unmodifiableMap(meta));
    }

    private static IllegalArgumentException bad(Path file, String why) {
        return new IllegalArgumentException("invalid safetensors file " + file + ": " + why);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += n;
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // the original error matters more
            }
        }
    }

    /** The file this reader was opened on. */
    public Path file() {
        return file;
    }

    /** Header entries in file order. */
    public Map<String, TensorInfo> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    /** The {@code __metadata__} map (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Reads one tensor into {@code manager}: F32/F16/BF16 become FLOAT32, F64 stays FLOAT64, I64/I32 stay integer. The
     * array owns its storage (a libtorch clone, not a view of the file or of a Java buffer).
     */
    public NDArray load(String name, NDManager manager) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("tensor '" + name + "' is not in " + file);
        }
        long outBytes = t.numel()
                * (t.dtype() == DType.F16 || t.dtype() == DType.BF16
                        ? 4
                        : t.dtype().bytes());
        if (outBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor '" + name + "' in " + file + " is " + outBytes
                    + " bytes; tensors over 2 GB are not supported");
        }
        ByteBuffer src;
        try {
            src = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin(), t.end() - t.begin())
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map tensor '" + name + "' of " + file, e);
        }
        ByteBuffer dst = ByteBuffer.allocateDirect((int) outBytes).order(ByteOrder.nativeOrder());
        DataType djlType;
        switch (t.dtype()) {
            case F32 -> {
                dst.asFloatBuffer().put(src.asFloatBuffer());
                djlType = DataType.FLOAT32;
            }
            case BF16 -> {
                FloatBuffer f = dst.asFloatBuffer();
                var s = src.asShortBuffer();
                while (s.hasRemaining()) {
                    f.put(Float.intBitsToFloat((s.get() & 0xFFFF) << 16));
                }
                djlType = DataType.FLOAT32;
            }
            case F16 -> {
                FloatBuffer f = dst.asFloatBuffer();
                var s = src.asShortBuffer();
                while (s.hasRemaining()) {
                    f.put(halfToFloat(s.get()));
                }
                djlType = DataType.FLOAT32;
            }
            case F64 -> {
                dst.asDoubleBuffer().put(src.asDoubleBuffer());
                djlType = DataType.FLOAT64;
            }
            case I64 -> {
                dst.asLongBuffer().put(src.asLongBuffer());
                djlType = DataType.INT64;
            }
            case I32 -> {
                dst.asIntBuffer().put(src.asIntBuffer());
                djlType = DataType.INT32;
            }
            default -> throw new IllegalStateException("unreachable dtype " + t.dtype());
        }
        return owned(manager, dst, t.djlShape(), djlType);
    }

    /** IEEE binary16 bits → float (exact; Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13)); // inf / nan
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f; // zero or subnormal
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /**
     * Creates an array that owns its storage from a direct native-order buffer: {@code manager.create(buffer)} aliases the
     * Java buffer ({@code from_blob}), so we clone it into libtorch memory and drop the alias. The result is not tracked
     * by an enclosing {@link NDScope}; it lives until {@code manager} closes.
     */
    static NDArray owned(NDManager manager, ByteBuffer direct, Shape shape, DataType type) {
        try (NDArray alias = manager.create(direct, shape, type)) {
            NDArray out = alias.duplicate();
            NDScope.unregister(out);
            return out;
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file, e);
        }
    }

    // ---------------------------------------------------------------------------------------------------- writing

    /**
     * Writes FLOAT32 / FLOAT64 / INT64 / INT32 arrays under their map keys, in map order, with {@code metadata} (use
     * {@code {"format": "pt"}} for files transformers should load). Tensors are streamed one at a time.
     */
    public static void write(Path file, Map<String, NDArray> arrays, Map<String, String> metadata) {
        try (HostStaging staging = new HostStaging(HostStaging.Mode.AUTO, HostStaging.DEFAULT_BUFFER_BYTES)) {
            write(file, arrays, metadata, staging);
        }
    }

    /**
     * Writes {@code arrays} in map order. Float32 arrays stream through {@code staging}: a zero-copy view of a CPU
     * array's memory, else one buffer-sized piece at a time, so writing a GPU model needs no whole-tensor host copy.
     */
    public static void write(
            Path file, Map<String, NDArray> arrays, Map<String, String> metadata, HostStaging staging) {
        List<Entry> entries = new ArrayList<>(arrays.size());
        for (var e : arrays.entrySet()) {
            NDArray a = e.getValue();
            DType d = switch (a.getDataType()) {
                case FLOAT32 -> DType.F32;
                case FLOAT64 -> DType.F64;
                case INT64 -> DType.I64;
                case INT32 -> DType.I32;
                default ->
                    throw new IllegalArgumentException("tensor '" + e.getKey() + "': cannot write " + a.getDataType());
            };
            Body body = d == DType.F32 && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN
                    ? out -> staging.read(a, out)
                    : out -> out.accept(littleEndian(a, d));
            entries.add(new Entry(e.getKey(), d, a.getShape().getShape(), body));
        }
        writeEntries(file, entries, metadata);
    }

    /** Writes raw tensors (offsets assigned in list order; header padded with spaces to a multiple of 8). */
    public static void writeRaw(Path file, List<RawTensor> tensors, Map<String, String> metadata) {
        List<Entry> entries = new ArrayList<>(tensors.size());
        for (RawTensor t : tensors) {
            entries.add(new Entry(t.name(), t.dtype(), t.shape(), out -> out.accept(ByteBuffer.wrap(t.data()))));
        }
        writeEntries(file, entries, metadata);
    }

    /** A tensor's bytes, handed over in order as one or more buffers. */
    @FunctionalInterface
    private interface Body {
        void emit(java.util.function.Consumer<ByteBuffer> out);
    }

    private record Entry(String name, DType dtype, long[] shape, Body data) {}

    private static ByteBuffer littleEndian(NDArray a, DType d) {
        ByteBuffer b = a.toByteBuffer().order(ByteOrder.nativeOrder());
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            return b;
        }
        ByteBuffer le = ByteBuffer.allocate(b.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        switch (d) {
            case F32 -> le.asFloatBuffer().put(b.asFloatBuffer());
            case F64 -> le.asDoubleBuffer().put(b.asDoubleBuffer());
            case I64 -> le.asLongBuffer().put(b.asLongBuffer());
            default -> le.asIntBuffer().put(b.asIntBuffer());
        }
        return le;
    }

    private static void writeEntries(Path file, List<Entry> entries, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        long[] sizes = new long[entries.size()];
        for (int i = 0; i < entries.size(); i++) {
            Entry t = entries.get(i);
            long numel = 1;
            for (long d : t.shape()) {
                numel = Math.multiplyExact(numel, d);
            }
            sizes[i] = numel * t.dtype().bytes();
            if (header.has(t.name())) {
                throw new IllegalArgumentException("tensor '" + t.name() + "' written twice");
            }
            ObjectNode e = header.putObject(t.name());
            e.put("dtype", t.dtype().name());
            var s = e.putArray("shape");
            for (long d : t.shape()) {
                s.add(d);
            }
            e.putArray("data_offsets").add(offset).add(offset + sizes[i]);
            offset += sizes[i];
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            // not Files.createTempFile: its 0600 mode would stick to the checkpoint
            Path tmp = parent.resolve(file.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                writeFully(ch, head);
                for (int i = 0; i < entries.size(); i++) {
                    Entry entry = entries.get(i);
                    long expected = sizes[i];
                    long[] written = {0};
                    entry.data().emit(b -> {
                        written[0] += b.remaining();
                        if (written[0] > expected) {
                            return; // too many bytes: reported below with the full count, nothing past the tensor is
                            // written
                        }
                        try {
                            writeFully(ch, b);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
                    if (written[0] != sizes[i]) {
                        throw new IllegalArgumentException("tensor '" + entry.name() + "': " + written[0]
                                + " bytes for " + entry.dtype() + " " + Arrays.toString(entry.shape()));
                    }
                }
            } catch (UncheckedIOException e) {
                Files.deleteIfExists(tmp);
                throw e.getCause();
            } catch (RuntimeException | IOException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            Files.move(
                    tmp,
                    file,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
