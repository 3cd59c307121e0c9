package redispark.jobs.train;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.xxhash64;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import redispark.jobs.config.RediConfig;
import redispark.jobs.run.HadoopFiles;
import redispark.jobs.run.Hashes;
import redispark.jobs.run.Json;
import redispark.jobs.run.RunDir;
import redispark.model.Qwen2Model;
import redispark.text.ChatTemplate;
import redispark.text.TextTokenizer;
import redispark.train.Admission;
import redispark.train.RefLogProbs;
import redispark.train.ReferenceLogProbs;
import redispark.train.Rejects;
import redispark.train.TokenizedPair;

/**
 * The DPO reference pass: the SFT model's summed completion log-probs of every pair, computed once by a Spark job
 * (model loaded once per partition on the executors) and stored as {@code ref_logps/<hash>}, where the hash covers
 * the model weights and config, the tokenizer and chat template, the pairs' content, {@code train.max-seq-len} and
 * the code version. Every DPO run whose hash matches reuses the table; nothing recomputes it inside training.
 * {@code ref_logps/<hash>.json} records what went into the hash.
 *
 * <p>Columns: {@code problem_id, chosen_idx, rejected_idx} (the pair key), {@code ref_chosen_logps},
 * {@code ref_rejected_logps} (sums over the trained completion tokens, template tail included),
 * {@code chosen_tokens}, {@code rejected_tokens} (those token counts), and {@code reason} (null, or why the pair
 * has no log-probs: too_long, identical_pair, empty_completion, …; such pairs are refused by training too).
 */
public final class RefLogProbsJob {
    /** Bumped when the computation changes (tokenisation, masking, packing), so old tables are not reused. */
    static final int VERSION = 1;

    public static final List<String> KEY = List.of("problem_id", "chosen_idx", "rejected_idx");
    static final org.apache.spark.sql.types.StructType SCHEMA = DataTypes.createStructType(List.of(
            DataTypes.createStructField("problem_id", DataTypes.StringType, false),
            DataTypes.createStructField("chosen_idx", DataTypes.IntegerType, false),
            DataTypes.createStructField("rejected_idx", DataTypes.IntegerType, false),
            DataTypes.createStructField("ref_chosen_logps", DataTypes.DoubleType, true),
            DataTypes.createStructField("ref_rejected_logps", DataTypes.DoubleType, true),
            DataTypes.createStructField("chosen_tokens", DataTypes.IntegerType, true),
            DataTypes.createStructField("rejected_tokens", DataTypes.IntegerType, true),
            DataTypes.createStructField("reason", DataTypes.StringType, true)));

    private RefLogProbsJob() {}

    /** The table to use: its run-relative name, rows, whether this call computed it, and its hash. */
    public record Table(String name, long rows, boolean computed, String hash) {}

    /** Returns {@code ref_logps/<hash>} for the pairs table and the model at {@code sftUri}, computing it if new. */
    public static Table ensure(SparkSession spark, RunDir run, RediConfig config, String sftUri) {
        Dataset<Row> pairs = run.readTable(spark, "pairs", "split");
        int maxSeqLen = config.getInt("train.max-seq-len");
        Map<String, String> parts = new LinkedHashMap<>();
        parts.put("version", Integer.toString(VERSION));
        parts.put("model", hashFiles(run.files(), sftUri, List.of("config.json"), ".safetensors"));
        parts.put(
                "tokenizer", hashFiles(run.files(), sftUri, List.of("tokenizer.json", "tokenizer_config.json"), null));
        parts.put("data", hashPairs(pairs));
        parts.put("max_seq_len", Integer.toString(maxSeqLen));
        String hash = Hashes.sha256(parts.toString()).substring(0, 16);
        String name = "ref_logps/" + hash;
        if (run.exists(name) && run.exists(name + ".json")) {
            long rows = run.readTable(spark, name, "train-redi --objective dpo").count();
            System.out.println("[redi] reference log-probs: reusing " + run.path(name) + " (" + rows + " pairs)");
            return new Table(name, rows, false, hash);
        }
        int batch = config.getInt("train.dpo.ref-batch-size");
        int partitions = config.getInt("train.dpo.ref-partitions");
        Dataset<Row> ref = pairs.select("problem_id", "chosen_idx", "rejected_idx", "prompt", "chosen", "rejected")
                .repartition(partitions)
                .mapPartitions(compute(run.files(), sftUri, maxSeqLen, batch), Encoders.row(SCHEMA));
        long rows = run.writeTable(ref, name);
        Map<String, Object> record = new LinkedHashMap<>(parts);
        record.put("hash", hash);
        record.put("reference_model", sftUri);
        record.put("rows", rows);
        run.files().writeText(run.path(name + ".json"), Json.write(record));
        System.out.println("[redi] reference log-probs: computed " + run.path(name) + " (" + rows + " pairs)");
        return new Table(name, rows, true, hash);
    }

    private static MapPartitionsFunction<Row, Row> compute(HadoopFiles files, String sftUri, int maxSeqLen, int batch) {
        return rows -> {
            List<Row> in = new ArrayList<>();
            rows.forEachRemaining(in::add);
            if (in.isEmpty()) {
                return java.util.Collections.emptyIterator();
            }
            Path dir = files.localDirectory(sftUri);
            try (NDManager root = NDManager.newBaseManager();
                    Qwen2Model model = Qwen2Model.load(dir, root);
                    TextTokenizer tokenizer = TextTokenizer.load(dir)) {
                ChatTemplate template = ChatTemplate.load(dir);
                List<TokenizedPair> admitted = new ArrayList<>();
                String[] reasons = new String[in.size()];
                List<Integer> rowOf = new ArrayList<>();
                for (int i = 0; i < in.size(); i++) {
                    Row r = in.get(i);
                    Rejects one = new Rejects();
                    TokenizedPair p = Admission.pair(
                            r.getString(0) + "#" + r.getInt(1) + "#" + r.getInt(2),
                            r.getString(3),
                            r.getString(4),
                            r.getString(5),
                            null,
                            tokenizer,
                            template,
                            maxSeqLen,
                            one);
                    if (p == null) {
                        reasons[i] = one.counts().keySet().iterator().next();
                    } else {
                        admitted.add(p);
                        rowOf.add(i);
                    }
                }
                List<RefLogProbs> refs = ReferenceLogProbs.compute(model, admitted, batch, tokenizer.padId());
                Object[][] values = new Object[in.size()][];
                for (int k = 0; k < admitted.size(); k++) {
                    TokenizedPair p = admitted.get(k);
                    values[rowOf.get(k)] = new Object[] {
                        refs.get(k).chosen(),
                        refs.get(k).rejected(),
                        p.chosen().completionLength(),
                        p.rejected().completionLength(),
                        null
                    };
                }
                List<Row> out = new ArrayList<>(in.size());
                for (int i = 0; i < in.size(); i++) {
                    Row r = in.get(i);
                    Object[] v = values[i] != null ? values[i] : new Object[] {null, null, null, null, reasons[i]};
                    out.add(RowFactory.create(r.getString(0), r.getInt(1), r.getInt(2), v[0], v[1], v[2], v[3], v[4]));
                }
                return out.iterator();
            }
        };
    }

    /** SHA-256 over the named files and every file ending in {@code suffix} (sorted), each name then content. */
    static String hashFiles(HadoopFiles files, String dirUri, List<String> names, String suffix) {
        try {
            FileSystem fs = files.fs(dirUri);
            org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(dirUri);
            List<String> all = new ArrayList<>(names);
            if (suffix != null) {
                for (FileStatus s : fs.listStatus(dir)) {
                    if (s.getPath().getName().endsWith(suffix)) {
                        all.add(s.getPath().getName());
                    }
                }
            }
            java.util.Collections.sort(all);
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 20];
            for (String name : all) {
                org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(dir, name);
                if (!fs.exists(file)) {
                    continue;
                }
                d.update(name.getBytes(StandardCharsets.UTF_8));
                try (InputStream in = fs.open(file)) {
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        d.update(buffer, 0, n);
                    }
                }
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hash the files of " + dirUri, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SHA-256 over the sorted 64-bit hashes of every pair's key and texts: independent of row order. */
    static String hashPairs(Dataset<Row> pairs) {
        List<Row> hashes = pairs.select(xxhash64(
                                col("problem_id"),
                                col("chosen_idx"),
                                col("rejected_idx"),
                                col("prompt"),
                                col("chosen"),
                                col("rejected"))
                        .as("h"))
                .orderBy("h")
                .collectAsList();
        StringBuilder s = new StringBuilder();
        for (Row r : hashes) {
            s.append(Long.toHexString(r.getLong(0))).append('\n');
        }
        return Hashes.sha256(s.toString());
    }
}
