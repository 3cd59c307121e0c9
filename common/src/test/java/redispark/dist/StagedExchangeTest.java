package redispark.dist;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.model.HostStaging;
import redispark.model.Safetensors;

/** The staged exchange (what a GPU replica runs), forced on the CPU: same bits as the direct path, nothing leaks. */
class StagedExchangeTest {

    @Test
    void forcedStagingWritesTheExactSumBackIntoTheGradientArraysWithoutGrowth() {
        // 64 KiB buckets over ~0.5 M floats: 32 buckets, tensors starting mid-bucket and spanning several
        GradientExchangeBench.Result r = GradientExchangeBench.run(2, 200, HostStaging.Mode.FORCE, 64 << 10);
        assertThat(r.buckets()).isGreaterThan(8);
        assertThat(r.exact()).as(r.line()).isTrue();
        assertThat(r.arraysLast()).as(r.line()).isEqualTo(r.arraysFirst());
        // The native heap in use: leaking one bucket's copy per step would add 32 x 200 x 64 KiB = 400 MiB. The bound
        // leaves room for what else in this JVM allocates natively meanwhile (the JIT compiler, threads of earlier
        // tests winding down), which has measured up to 41 MiB after the ring tests.
        assertThat(r.nativeFirstMib()).as(r.line()).isPositive();
        assertThat(r.nativeGrowthMib()).as(r.line()).isLessThan(96);
    }

    @Test
    void theDirectPathGivesTheSameBits() {
        GradientExchangeBench.Result r = GradientExchangeBench.run(3, 5, HostStaging.Mode.AUTO, 64 << 10);
        assertThat(r.exact()).as(r.line()).isTrue();
    }

    @Test
    void stagedReadsAndCopiesMoveExactlyTheRequestedElements() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                HostStaging staging = new HostStaging(HostStaging.Mode.FORCE, 16)) {
            NDArray a = m.arange(0f, 10f, 1f, DataType.FLOAT32).reshape(2, 5);
            assertThat(staging.stages(a)).isTrue();
            staging.toBuffer(a, 3, 4, 0); // 3, 4, 5, 6
            staging.fromBuffer(a, 0, 2, 2); // a[0..2) = 5, 6
            assertThat(a.toFloatArray()).containsExactly(5, 6, 2, 3, 4, 5, 6, 7, 8, 9);
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            int[] pieces = {0};
            staging.read(a, b -> {
                pieces[0]++;
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                bytes.writeBytes(chunk);
            });
            assertThat(pieces[0]).isEqualTo(3); // 4 + 4 + 2 floats
            java.nio.FloatBuffer back = java.nio.ByteBuffer.wrap(bytes.toByteArray())
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer();
            float[] got = new float[back.remaining()];
            back.get(got);
            assertThat(got).containsExactly(a.toFloatArray());
            staging.reserve(8); // smaller: kept
            assertThat(staging.bufferBytes()).isEqualTo(16);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> staging.toBuffer(a, 0, 5, 0))
                    .hasMessageContaining("outside the buffer");
        }
    }

    @Test
    void reservingGrowsTheBufferToOneBucket() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                HostStaging staging = new HostStaging(HostStaging.Mode.FORCE, 16)) {
            assertThat(staging.buffer().capacity()).isEqualTo(16);
            staging.reserve(64);
            assertThat(staging.bufferBytes()).isEqualTo(64);
            assertThat(staging.buffer().capacity()).isEqualTo(64);
            NDArray a = m.arange(0f, 16f);
            staging.toBuffer(a, 0, 16, 0);
            assertThat(staging.buffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).getFloat(15 * 4))
                    .isEqualTo(15f);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> staging.reserve(6))
                    .hasMessageContaining("multiple of 4");
        }
    }

    @Test
    void aForcedCheckpointAndWeightHashMatchTheDirectOnes(@TempDir Path dir) throws Exception {
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                HostStaging forced = new HostStaging(HostStaging.Mode.FORCE, 1 << 10);
                HostStaging direct = new HostStaging(HostStaging.Mode.AUTO, 1 << 10)) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            arrays.put("a", m.randomNormal(new Shape(33, 17)));
            arrays.put("b", m.randomNormal(new Shape(1000)));
            arrays.put("c", m.randomNormal(new Shape(3)));
            Safetensors.write(dir.resolve("forced.safetensors"), arrays, Map.of("k", "v"), forced);
            Safetensors.write(dir.resolve("direct.safetensors"), arrays, Map.of("k", "v"), direct);
            assertThat(Files.readAllBytes(dir.resolve("forced.safetensors")))
                    .isEqualTo(Files.readAllBytes(dir.resolve("direct.safetensors")));
            List<RingCollective> one = RingCollective.openLoopback(1, java.time.Duration.ofSeconds(5));
            try {
                assertThat(new Replicas(arrays, one.get(0), forced).weightHash())
                        .isEqualTo(new Replicas(arrays, one.get(0), direct).weightHash());
            } finally {
                one.forEach(RingCollective::close);
            }
        }
    }
}
