package redispark.eval;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import redispark.model.Qwen2Model;
import redispark.text.ChatTemplate;
import redispark.text.TextTokenizer;

/**
 * Models loaded once per JVM: every evaluation partition an executor runs for the same model folder and hash shares
 * one loaded copy. At most {@code capacity} models stay loaded; the least recently used one is closed (its
 * NDManager freed) once nobody holds a lease on it, so evaluating many runs one after another does not pile up
 * weights.
 */
public final class ModelCache {
    /** Two: the model being evaluated plus the previous one, which a straggling task may still be using. */
    private static final ModelCache SHARED = new ModelCache(2);

    private final int capacity;
    /** Access order: the first entry is the least recently used. */
    private final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>(4, 0.75f, true);

    private long loads;

    public ModelCache(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
        }
        this.capacity = capacity;
    }

    /** The cache of this JVM (one per executor). */
    public static ModelCache shared() {
        return SHARED;
    }

    /** A model folder (its location as given) and the hash of its weights: a rewritten folder is a new model. */
    private record Key(String location, String hash) {}

    /** A loaded model, tokenizer and chat template; thread-safe to sample from (read-only weights). */
    public static final class Loaded implements AutoCloseable {
        private final NDManager manager;
        private final Qwen2Model model;
        private final TextTokenizer tokenizer;
        private final ChatTemplate template;

        private Loaded(Path dir) {
            NDManager m = NDManager.newBaseManager();
            try {
                this.model = Qwen2Model.load(dir, m);
                this.tokenizer = TextTokenizer.load(dir);
                this.template = ChatTemplate.load(dir);
                this.manager = m;
            } catch (RuntimeException e) {
                m.close();
                throw e;
            }
        }

        /** Loads {@code dir} outside any cache (the caller closes it). */
        public static Loaded load(Path dir) {
            return new Loaded(dir);
        }

        public Qwen2Model model() {
            return model;
        }

        public TextTokenizer tokenizer() {
            return tokenizer;
        }

        public ChatTemplate template() {
            return template;
        }

        @Override
        public void close() {
            try (manager;
                    tokenizer;
                    model) {
                // closes all three, in reverse order
            }
        }
    }

    private static final class Entry {
        final Loaded loaded;
        int leases;
        boolean evicted;

        Entry(Loaded loaded) {
            this.loaded = loaded;
        }
    }

    /** Use of one cached model; closing it hands the model back (it stays loaded unless it was evicted). */
    public final class Lease implements AutoCloseable {
        private final Entry entry;
        private boolean closed;

        private Lease(Entry entry) {
            this.entry = entry;
        }

        public Loaded loaded() {
            return entry.loaded;
        }

        @Override
        public void close() {
            synchronized (ModelCache.this) {
                if (closed) {
                    return;
                }
                closed = true;
                entry.leases--;
                if (entry.evicted && entry.leases == 0) {
                    entry.loaded.close();
                }
            }
        }
    }

    /**
     * The model at {@code location} with weights hash {@code hash}, loaded from {@code localDir} on the first call
     * (later calls with the same key never call it). Concurrent first calls for one key load it once: loading holds
     * the cache's lock, which is fine for evaluation tasks that all want the same model.
     */
    public synchronized Lease lease(String location, String hash, Supplier<Path> localDir) {
        Key key = new Key(Objects.requireNonNull(location, "location"), Objects.requireNonNull(hash, "hash"));
        Entry entry = entries.get(key);
        if (entry == null) {
            entry = new Entry(new Loaded(localDir.get()));
            loads++;
            entries.put(key, entry);
            evictBeyondCapacity();
        }
        entry.leases++;
        return new Lease(entry);
    }

    /** How many times a model was loaded (not found in the cache) since this cache was made. */
    public synchronized long loads() {
        return loads;
    }

    /** Models currently held (loaded and not evicted). */
    public synchronized int size() {
        return entries.size();
    }

    /** Evicts every model (each is closed as soon as its last lease is closed). */
    public synchronized void clear() {
        for (Entry e : entries.values()) {
            retire(e);
        }
        entries.clear();
    }

    private void evictBeyondCapacity() {
        Iterator<Map.Entry<Key, Entry>> it = entries.entrySet().iterator();
        while (entries.size() > capacity && it.hasNext()) {
            retire(it.next().getValue());
            it.remove();
        }
    }

    private static void retire(Entry e) {
        e.evicted = true;
        if (e.leases == 0) {
            e.loaded.close();
        }
    }
}
