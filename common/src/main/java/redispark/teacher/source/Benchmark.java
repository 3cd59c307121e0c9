package redispark.teacher.source;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The evaluation sets that ship with the product ({@link ShippedBenchmarks}; their SOURCES.md says where each
 * comes from), each a JSONL file named
 * {@code <id>.jsonl}. {@link BenchmarkProblems} knows where each keeps its problem and its gold answer.
 */
public enum Benchmark {
    MATH500("math500", false),
    AIME24("aime24", false),
    AMC23("amc23", false),
    GSM8K("gsm8k", false),
    MINERVA_MATH("minerva_math", false),
    OLYMPIADBENCH("olympiadbench", false),
    COLLEGE_MATH("college_math", false),
    GAOKAO2023EN("gaokao2023en", false),
    SVAMP("svamp", false),
    ASDIV("asdiv", false),
    MAWPS("mawps", false),
    AQUA("aqua", true),
    SAT_MATH("sat_math", true);

    private final String id;
    private final boolean multipleChoice;

    Benchmark(String id, boolean multipleChoice) {
        this.id = id;
        this.multipleChoice = multipleChoice;
    }

    /** The name used in file names, problem ids and {@link redispark.teacher.Problem#source()}. */
    public String id() {
        return id;
    }

    public String fileName() {
        return id + ".jsonl";
    }

    /** Whether the gold answer is an option letter (A-E) and the problem text lists the options. */
    public boolean multipleChoice() {
        return multipleChoice;
    }

    /** The benchmark with this {@link #id()} (case-insensitive). */
    public static Benchmark fromId(String id) {
        for (Benchmark b : values()) {
            if (b.id.equalsIgnoreCase(id == null ? "" : id.strip())) {
                return b;
            }
        }
        throw new IllegalArgumentException("unknown benchmark "
                + (id == null ? "null" : "\"" + id + "\"")
                + "; known: "
                + Arrays.stream(values()).map(Benchmark::id).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return id;
    }
}
