package redispark.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {

    static NDManager root;

    @BeforeAll
    static void engine() {
        Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(1);
        root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterAll
    static void close() {
        root.close();
    }

    // ------------------------------------------------------------------------------------------------ dtypes

    @Test
    void bf16AndF16TensorsWidenToExactFloat32() throws Exception {
        Path dir = Files.createTempDirectory("st");
        // BF16 bits of 1.0, -2.5, 3.140625 (= 0x4049), smallest normal; F16 bits of 1.0, -2.5, 65504 (max), 2^-24
        short[] bf = {0x3F80, (short) 0xC020, 0x4049, 0x0080};
        short[] f16 = {0x3C00, (short) 0xC100, 0x7BFF, 0x0001};
        Path f = dir.resolve("x.safetensors");
        Safetensors.writeRaw(
                f,
                List.of(
                        new Safetensors.RawTensor("bf", Safetensors.DType.BF16, new long[] {2, 2}, le(bf)),
                        new Safetensors.RawTensor("h", Safetensors.DType.F16, new long[] {4}, le(f16))),
                Map.of());
        try (Safetensors st = Safetensors.open(f);
                NDManager m = root.newSubManager()) {
            NDArray b = st.load("bf", m);
            assertThat(b.getShape().getShape()).containsExactly(2, 2);
            assertThat(b.toFloatArray()).containsExactly(1f, -2.5f, 3.140625f, Float.MIN_NORMAL);
            assertThat(st.load("h", m).toFloatArray()).containsExactly(1f, -2.5f, 65504f, 0x1p-24f);
        }
    }

    @Test
    void bf16CheckpointLoadsAsItsFloat32Widening(@TempDir Path dir) throws Exception {
        ModelConfig c = Qwen2ModelTest.small(true);
        Path f32 = dir.resolve("f32");
        Path bf16 = dir.resolve("bf16");
        try (Qwen2Model model = Qwen2Model.create(c, 9, root)) {
            model.save(f32);
            // write the same weights as BF16 (truncating the low 16 bits), then expect exactly the truncated floats
            // back
            List<Safetensors.RawTensor> raw = new ArrayList<>();
            Map<String, float[]> truncated = new LinkedHashMap<>();
            for (var e : model.parameters().entrySet()) {
                float[] x = e.getValue().toFloatArray();
                short[] bits = new short[x.length];
                float[] back = new float[x.length];
                for (int i = 0; i < x.length; i++) {
                    bits[i] = (short) (Float.floatToRawIntBits(x[i]) >>> 16);
                    back[i] = Float.intBitsToFloat((bits[i] & 0xFFFF) << 16);
                }
                truncated.put(e.getKey(), back);
                raw.add(new Safetensors.RawTensor(
                        e.getKey(),
                        Safetensors.DType.BF16,
                        e.getValue().getShape().getShape(),
                        le(bits)));
            }
            Files.createDirectories(bf16);
            Files.copy(f32.resolve("config.json"), bf16.resolve("config.json"));
            Safetensors.writeRaw(bf16.resolve("model.safetensors"), raw, Map.of("format", "pt"));
            try (Qwen2Model loaded = Qwen2Model.load(bf16, root)) {
                for (var e : loaded.parameters().entrySet()) {
                    assertThat(e.getValue().toFloatArray()).as(e.getKey()).containsExactly(truncated.get(e.getKey()));
                }
            }
        }
    }

    @Test
    void shardedCheckpointWithIndexLoads(@TempDir Path dir) throws Exception {
        try (Qwen2Model model = Qwen2Model.create(Qwen2ModelTest.small(false), 4, root)) {
            model.save(dir.resolve("single"));
            Path sharded = dir.resolve("sharded");
            Files.createDirectories(sharded);
            Files.copy(dir.resolve("single/config.json"), sharded.resolve("config.json"));
            Map<String, NDArray> a = new LinkedHashMap<>();
            Map<String, NDArray> b = new LinkedHashMap<>();
            ObjectNode index = new ObjectMapper().createObjectNode();
            ObjectNode map = index.putObject("weight_map");
            int i = 0;
            for (var e : model.parameters().entrySet()) {
                boolean first = i++ % 2 == 0;
                (first ? a : b).put(e.getKey(), e.getValue());
                map.put(e.getKey(), first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
            }
            Safetensors.write(sharded.resolve("model-00001-of-00002.safetensors"), a, Map.of("format", "pt"));
            Safetensors.write(sharded.resolve("model-00002-of-00002.safetensors"), b, Map.of("format", "pt"));
            new ObjectMapper()
                    .writeValue(sharded.resolve("model.safetensors.index.json").toFile(), index);
            try (Qwen2Model loaded = Qwen2Model.load(sharded, root)) {
                for (var e : model.parameters().entrySet()) {
                    assertThat(loaded.parameters().get(e.getKey()).toByteBuffer())
                            .isEqualTo(e.getValue().toByteBuffer());
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ bad input

    @Test
    void missingTensorIsNamedInTheError(@TempDir Path dir) throws Exception {
        try (Qwen2Model model = Qwen2Model.create(Qwen2ModelTest.small(false), 4, root)) {
            Map<String, NDArray> p = new LinkedHashMap<>(model.parameters());
            p.remove("model.layers.1.self_attn.v_proj.bias");
            Files.createDirectories(dir);
            model.config().write(dir.resolve("config.json"));
            Safetensors.write(dir.resolve("model.safetensors"), p, Map.of());
            assertThatThrownBy(() -> Qwen2Model.load(dir, root))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("missing tensor 'model.layers.1.self_attn.v_proj.bias'");
        }
    }

    @Test
    void wrongShapeIsNamedInTheError(@TempDir Path dir) throws Exception {
        try (Qwen2Model model = Qwen2Model.create(Qwen2ModelTest.small(false), 4, root)) {
            model.save(dir);
            ModelConfig c = model.config();
            // same weights, but a config that says the MLP is wider
            new ModelConfig(
                            c.vocabSize(),
                            c.hiddenSize(),
                            96,
                            c.numLayers(),
                            c.numHeads(),
                            c.numKvHeads(),
                            c.ropeTheta(),
                            c.rmsNormEps(),
                            c.maxPositions(),
                            c.tieWordEmbeddings(),
                            c.bosTokenId(),
                            c.eosTokenId())
                    .write(dir.resolve("config.json"));
            assertThatThrownBy(() -> Qwen2Model.load(dir, root))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("tensor 'model.layers.0.mlp.gate_proj.weight'")
                    .hasMessageContaining("[64, 32]")
                    .hasMessageContaining("[96, 32]");
        }
    }

    @Test
    void unexpectedTensorIsAnError(@TempDir Path dir) throws Exception {
        try (Qwen2Model model = Qwen2Model.create(Qwen2ModelTest.small(true), 4, root);
                NDManager m = root.newSubManager()) {
            Map<String, NDArray> p = new LinkedHashMap<>(model.parameters());
            p.put("model.layers.0.self_attn.o_proj.bias", m.zeros(new ai.djl.ndarray.types.Shape(32)));
            model.config().write(dir.resolve("config.json"));
            Safetensors.write(dir.resolve("model.safetensors"), p, Map.of());
            assertThatThrownBy(() -> Qwen2Model.load(dir, root))
                    .hasMessageContaining("unexpected tensor 'model.layers.0.self_attn.o_proj.bias'");
        }
    }

    @Test
    void truncatedFileIsAClearError(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("t.safetensors");
        Safetensors.writeRaw(
                f,
                List.of(new Safetensors.RawTensor("w", Safetensors.DType.F32, new long[] {100}, new byte[400])),
                Map.of());
        byte[] all = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(all, all.length - 10));
        assertThatThrownBy(() -> Safetensors.open(f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tensor 'w'")
                .hasMessageContaining("past the data section");
        Files.write(f, java.util.Arrays.copyOf(all, 20));
        assertThatThrownBy(() -> Safetensors.open(f)).hasMessageContaining("exceeds the file size");
        Files.write(f, new byte[3]);
        assertThatThrownBy(() -> Safetensors.open(f)).hasMessageContaining("shorter than the 8-byte header length");
    }

    @Test
    void hostileHeadersAreClearErrorsNotAllocations(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("h.safetensors");
        // header length claiming 2^62 bytes
        Files.write(
                f,
                ByteBuffer.allocate(16)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(1L << 62)
                        .array());
        assertThatThrownBy(() -> Safetensors.open(f)).hasMessageContaining("header length");
        // negative (as unsigned: huge) length
        Files.write(
                f,
                ByteBuffer.allocate(16)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(-1L)
                        .array());
        assertThatThrownBy(() -> Safetensors.open(f)).hasMessageContaining("header length");
        expectBad(
                f,
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],\"data_offsets\":[0,16]}}",
                16,
                "overflows");
        expectBad(f, "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,16]}}", 16, "expected 8");
        expectBad(f, "{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "bad dimension");
        expectBad(f, "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, "not ordered");
        expectBad(f, "{\"w\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "unsupported dtype 'Q4'");
        expectBad(
                f,
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                12,
                "overlap");
        expectBad(
                f,
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                8,
                "not valid JSON");
        expectBad(f, "[1,2,3]", 0, "not a JSON object");
        expectBad(f, "{\"w\": 5}", 0, "entry is not an object");
        expectBad(f, "{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, "data_offsets");
        expectBad(f, "{not json", 0, "not valid JSON");
    }

    private static void expectBad(Path f, String header, int dataBytes, String message) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Files.write(f, b.array());
        assertThatThrownBy(() -> Safetensors.open(f))
                .as(header)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    static byte[] le(short[] s) {
        ByteBuffer b = ByteBuffer.allocate(s.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short x : s) {
            b.putShort(x);
        }
        return b.array();
    }
}
