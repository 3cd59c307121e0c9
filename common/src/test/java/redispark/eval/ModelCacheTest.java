package redispark.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.model.TinyStudent;

class ModelCacheTest {
    @TempDir
    static Path dir;

    static Path model;

    @BeforeAll
    static void tinyModel() {
        model = dir.resolve("tiny");
        TinyStudent.write(model, 1);
    }

    @Test
    void twoPartitionsOnTwoThreadsLoadTheModelOnce() throws Exception {
        ModelCache cache = new ModelCache(2);
        AtomicInteger localized = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Object>> tasks = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                tasks.add(pool.submit(() -> {
                    start.await();
                    try (ModelCache.Lease lease = cache.lease("runs/x/checkpoints/sft", "h1", () -> {
                        localized.incrementAndGet();
                        return model;
                    })) {
                        return lease.loaded().model();
                    }
                }));
            }
            start.countDown();
            assertThat(tasks.get(0).get()).isSameAs(tasks.get(1).get());
        } finally {
            pool.shutdownNow();
        }
        assertThat(cache.loads()).isEqualTo(1);
        assertThat(localized).hasValue(1);
    }

    @Test
    void aNewHashOfTheSameFolderIsANewModel() {
        ModelCache cache = new ModelCache(2);
        try (ModelCache.Lease a = cache.lease("m", "h1", () -> model);
                ModelCache.Lease b = cache.lease("m", "h2", () -> model)) {
            assertThat(a.loaded()).isNotSameAs(b.loaded());
        }
        assertThat(cache.loads()).isEqualTo(2);
        cache.clear();
    }

    @Test
    void evictedModelsAreClosedOnlyWhenTheirLastLeaseEnds() {
        ModelCache cache = new ModelCache(1);
        ModelCache.Lease first = cache.lease("a", "h", () -> model);
        try (ModelCache.Lease second = cache.lease("b", "h", () -> model)) {
            assertThat(cache.size()).isEqualTo(1);
            // "a" is evicted but still in use: it must stay usable until its lease is closed
            assertThat(first.loaded().model().manager().isOpen()).isTrue();
            first.close();
            assertThat(first.loaded().model().manager().isOpen()).isFalse();
            assertThat(second.loaded().model().manager().isOpen()).isTrue();
        }
        // "b" is still cached: leasing it again loads nothing
        try (ModelCache.Lease again = cache.lease("b", "h", () -> model)) {
            assertThat(again.loaded().model().manager().isOpen()).isTrue();
        }
        assertThat(cache.loads()).isEqualTo(2);
        cache.clear();
        assertThat(cache.size()).isZero();
    }
}
