package redispark.jobs.curate;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import redispark.teacher.Problem;
import redispark.teacher.source.Benchmark;
import redispark.teacher.source.BenchmarkProblems;
import redispark.teacher.source.JsonlProblems;
import redispark.teacher.source.ReadResult;

/**
 * The word n-grams of every problem of some benchmark files, for decontamination: a training problem overlaps a
 * benchmark problem by the share of n-grams they have in common, out of the n-grams of the shorter of the two (so a
 * benchmark problem pasted inside a longer one is caught as well as a lightly reworded copy). Compact — sorted
 * n-gram hashes with the problem each came from — because it is broadcast to every executor.
 */
public final class BenchmarkIndex implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The benchmark problem a training problem overlaps most, and by how much (0..1). */
    public record Match(String benchmark, String problemId, double overlap) {}

    private final int n;
    private final String[] benchmarks;
    private final String[] problemIds;
    private final int[] ngramCounts;
    private final long[] hashes;
    private final int[] owners;

    private BenchmarkIndex(int n, List<String> benchmarkOf, List<String> ids, List<long[]> ngrams) {
        this.n = n;
        this.benchmarks = benchmarkOf.toArray(String[]::new);
        this.problemIds = ids.toArray(String[]::new);
        this.ngramCounts = ngrams.stream().mapToInt(g -> g.length).toArray();
        int total = Arrays.stream(ngramCounts).sum();
        long[][] pairs = new long[total][];
        int k = 0;
        for (int p = 0; p < ngrams.size(); p++) {
            for (long h : ngrams.get(p)) {
                pairs[k++] = new long[] {h, p};
            }
        }
        Arrays.sort(pairs, (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        this.hashes = new long[total];
        this.owners = new int[total];
        for (int i = 0; i < total; i++) {
            hashes[i] = pairs[i][0];
            owners[i] = (int) pairs[i][1];
        }
    }

    /** An index of the given problems ({@code benchmark → problems}). */
    public static BenchmarkIndex of(Map<String, List<Problem>> problems, int n) {
        List<String> benchmarkOf = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        List<long[]> ngrams = new ArrayList<>();
        problems.forEach((benchmark, list) -> {
            for (Problem p : list) {
                long[] grams = hashedNgrams(p.problem(), n);
                if (grams.length > 0) {
                    benchmarkOf.add(benchmark);
                    ids.add(p.problemId());
                    ngrams.add(grams);
                }
            }
        });
        return new BenchmarkIndex(n, benchmarkOf, ids, ngrams);
    }

    /**
     * Reads {@code <name>.jsonl} of {@code dir} for each name ({@code names} empty = every {@code *.jsonl} there).
     * Known benchmarks are read with their own field mapping; any other file needs {@code problem} and
     * {@code answer} fields. Lines that give no problem are counted in {@code notes}, never ignored silently.
     */
    public static BenchmarkIndex load(Path dir, List<String> names, int n, List<String> notes) {
        Map<String, List<Problem>> problems = new java.util.TreeMap<>();
        for (Path file : files(dir, names)) {
            String name = file.getFileName().toString().replaceFirst("\\.jsonl$", "");
            ReadResult read;
            try {
                read = isKnown(name)
                        ? BenchmarkProblems.read(Benchmark.fromId(name), file)
                        : JsonlProblems.read(file, "problem", "answer", null, name);
            } catch (IOException e) {
                throw new UncheckedIOException("decontamination: cannot read " + file, e);
            }
            if (!read.rejects().isEmpty()) {
                notes.add("decontamination: " + read.rejects().size() + " line(s) of " + file.getFileName()
                        + " give no problem and are not compared (first: line "
                        + read.rejects().get(0).lineNumber()
                        + ", " + read.rejects().get(0).reason() + ")");
            }
            problems.put(name, read.problems());
        }
        return of(problems, n);
    }

    private static List<Path> files(Path dir, List<String> names) {
        if (!names.isEmpty()) {
            List<Path> out = new ArrayList<>();
            for (String name : names) {
                Path file = dir.resolve(name.endsWith(".jsonl") ? name : name + ".jsonl");
                if (!Files.isRegularFile(file)) {
                    throw new IllegalArgumentException("split.decontaminate.benchmarks: no " + file);
                }
                out.add(file);
            }
            return out;
        }
        try (Stream<Path> listing = Files.list(dir)) {
            return listing.filter(p -> p.getFileName().toString().endsWith(".jsonl") && Files.isRegularFile(p))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("decontamination: cannot list " + dir, e);
        }
    }

    private static boolean isKnown(String name) {
        return Arrays.stream(Benchmark.values()).anyMatch(b -> b.id().equals(name));
    }

    /** Benchmark problems in the index. */
    public int size() {
        return problemIds.length;
    }

    /** Problems per benchmark in the index. */
    public Map<String, Long> problemsPerBenchmark() {
        Map<String, Long> out = new java.util.TreeMap<>();
        for (String b : benchmarks) {
            out.merge(b, 1L, Long::sum);
        }
        return out;
    }

    /** The benchmark problem {@code problem} overlaps most, when it overlaps one by at least {@code threshold}. */
    public Optional<Match> match(String problem, double threshold) {
        long[] grams = hashedNgrams(problem, n);
        if (grams.length == 0) {
            return Optional.empty();
        }
        Map<Integer, Integer> shared = new HashMap<>();
        for (long g : grams) {
            int i = Arrays.binarySearch(hashes, g);
            if (i < 0) {
                continue;
            }
            while (i > 0 && hashes[i - 1] == g) {
                i--;
            }
            for (; i < hashes.length && hashes[i] == g; i++) {
                shared.merge(owners[i], 1, Integer::sum);
            }
        }
        int best = -1;
        double bestOverlap = -1;
        for (Map.Entry<Integer, Integer> e : shared.entrySet()) {
            int owner = e.getKey();
            double overlap = e.getValue() / (double) Math.min(grams.length, ngramCounts[owner]);
            if (overlap > bestOverlap || (overlap == bestOverlap && owner < best)) {
                best = owner;
                bestOverlap = overlap;
            }
        }
        return best >= 0 && bestOverlap >= threshold
                ? Optional.of(new Match(benchmarks[best], problemIds[best], bestOverlap))
                : Optional.empty();
    }

    /** Distinct 64-bit FNV-1a hashes of the word n-grams of {@code text}. */
    static long[] hashedNgrams(String text, int n) {
        return ProblemText.ngrams(ProblemText.words(text), n).stream()
                .mapToLong(BenchmarkIndex::fnv1a)
                .distinct()
                .toArray();
    }

    private static long fnv1a(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }
}
