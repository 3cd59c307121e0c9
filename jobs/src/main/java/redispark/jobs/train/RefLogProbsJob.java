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
import org.apache.spark.sql.SparkSession;
import redispark.jobs.config.RediConfig;
import redispark.jobs.run.HadoopFiles;
import redispark.jobs.run.Hashes;
import redispark.jobs.run.Json;
import redispark.jobs.run.RunDir;
import redispark.jobs.table.PairsTable;
import redispark.jobs.table.RefLogProbsTable;
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
 * <p>The table's columns: {@link RefLogProbsTable}.
 */
public final class RefLogProbsJob {
    /** Bumped when the computation changes (tokenisation, masking, packing), so old tables are not reused. */
    static final int VERSION = 1;

    private RefLogProbsJob() {}

    /** The table to use: its run-relative name, rows, whether this call computed it, and its hash. */
    public record Table(String name, long rows, boolean computed, String hash) {}

    /** Returns {@code ref_logps/<hash>} for the pairs table and the model at {@code sftUri}, computing it if new. */
    public static Table ensure(SparkSession spark, RunDir run, RediConfig config, String sftUri) {
        Dataset<Row> pairs = run.readTable(spark, PairsTable.NAME, "split");
        int maxSeqLen = config.getInt("train.max-seq-len");
        Map<String, String> parts = new LinkedHashMap<>();
        parts.put("version", Integer.toString(VERSION));
        parts.put("model", hashFiles(run.files(), sftUri, List.of("config.json"), ".safetensors"));
        parts.put(
                "tokenizer", hashFiles(run.files(), sftUri, List.of("tokenizer.json", "tokenizer_config.json"), null));
        parts.put("data", hashPairs(pairs));
        parts.put("max_seq_len", Integer.toString(maxSeqLen));
        String hash = Hashes.sha256(parts.toString()).substring(0, 16);
        String name = RefLogProbsTable.of(hash);
        if (run.exists(name) && run.exists(name + ".json")) {
            long rows = run.readTable(spark, name, "train-redi --objective dpo").count();
            System.out.println("[redi] reference log-probs: reusing " + run.path(name) + " (" + rows + " pairs)");
            return new Table(name, rows, false, hash);
        }
        int batch = config.getInt("train.dpo.ref-batch-size");
        int partitions = config.getInt("train.dpo.ref-partitions");
        Dataset<Row> ref = pairs.select(
                        PairsTable.PROBLEM_ID,
                        PairsTable.CHOSEN_IDX,
                        PairsTable.REJECTED_IDX,
                        PairsTable.PROMPT,
                        PairsTable.CHOSEN,
                        PairsTable.REJECTED)
                .repartition(partitions)
                .mapPartitions(compute(run.files(), sftUri, maxSeqLen, batch), Encoders.row(RefLogProbsTable.SCHEMA));
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
                            r.<String>getAs(PairsTable.PROBLEM_ID) + "#" + r.<Integer>getAs(PairsTable.CHOSEN_IDX) + "#"
                                    + r.<Integer>getAs(PairsTable.REJECTED_IDX),
                            r.getAs(PairsTable.PROMPT),
                            r.getAs(PairsTable.CHOSEN),
                            r.getAs(PairsTable.REJECTED),
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
                Row[] out = new Row[in.size()];
                for (int i = 0; i < in.size(); i++) {
                    if (reasons[i] != null) {
                        Row r = in.get(i);
                        out[i] = RefLogProbsTable.refused(
                                r.getAs(PairsTable.PROBLEM_ID),
                                r.getAs(PairsTable.CHOSEN_IDX),
                                r.getAs(PairsTable.REJECTED_IDX),
                                reasons[i]);
                    }
                }
                for (int k = 0; k < admitted.size(); k++) {
                    Row r = in.get(rowOf.get(k));
                    TokenizedPair p = admitted.get(k);
                    out[rowOf.get(k)] = RefLogProbsTable.computed(
                            r.getAs(PairsTable.PROBLEM_ID),
                            r.getAs(PairsTable.CHOSEN_IDX),
                            r.getAs(PairsTable.REJECTED_IDX),
                            refs.get(k).chosen(),
                            refs.get(k).rejected(),
                            p.chosen().completionLength(),
                            p.rejected().completionLength());
                }
                return java.util.Arrays.asList(out).iterator();
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
                                col(PairsTable.PROBLEM_ID),
                                col(PairsTable.CHOSEN_IDX),
                                col(PairsTable.REJECTED_IDX),
                                col(PairsTable.PROMPT),
                                col(PairsTable.CHOSEN),
                                col(PairsTable.REJECTED))
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
