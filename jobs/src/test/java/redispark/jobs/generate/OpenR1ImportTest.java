package redispark.jobs.generate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.jobs.stages.StageOutcome;

/**
 * The OpenR1 importer on Parquet files with the exact published schemas of OpenR1-Math-Raw and OpenR1-Math-220k:
 * one trace per generation with OpenR1's labels, the paper's filters, and every bad row in rejects with its reason.
 */
class OpenR1ImportTest {
    static SparkSession spark;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        spark = Runs.spark();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static final StructType MESSAGE =
            new StructType().add("content", StringType).add("role", StringType);

    /** OpenR1-Math-Raw as published (large_string / large_list read as string / array). */
    static final StructType RAW = new StructType()
            .add("problem", StringType)
            .add("solution", StringType)
            .add("answer", StringType)
            .add("problem_type", StringType)
            .add("question_type", StringType)
            .add("problem_is_valid", StringType)
            .add("solution_is_valid", StringType)
            .add("source", StringType)
            .add("synthetic", BooleanType)
            .add("generations", createArrayType(StringType))
            .add("generations_count", LongType)
            .add(
                    "correctness",
                    new StructType()
                            .add("llama_verification", createArrayType(BooleanType))
                            .add("math_verify_answer", createArrayType(BooleanType))
                            .add("math_verify_reparsed_answer", createArrayType(BooleanType)))
            .add("reparsed_answers", createArrayType(StringType))
            .add("messages", createArrayType(MESSAGE));

    /** OpenR1-Math-220k as published. */
    static final StructType V220K = new StructType()
            .add("problem", StringType)
            .add("solution", StringType)
            .add("answer", StringType)
            .add("problem_type", StringType)
            .add("question_type", StringType)
            .add("source", StringType)
            .add("uuid", StringType)
            .add("is_reasoning_complete", createArrayType(BooleanType))
            .add("generations", createArrayType(StringType))
            .add("correctness_math_verify", createArrayType(BooleanType))
            .add("correctness_llama", createArrayType(BooleanType))
            .add("finish_reasons", createArrayType(StringType))
            .add("correctness_count", LongType)
            .add("messages", createArrayType(MESSAGE));

    static <T> List<T> list(T... xs) {
        return xs == null ? null : Arrays.asList(xs);
    }

    static Row raw(
            String problem,
            String answer,
            String valid,
            String source,
            List<String> gens,
            List<Boolean> llama,
            List<Boolean> mvAnswer,
            List<Boolean> mvReparsed) {
        return RowFactory.create(
                problem,
                "solution",
                answer,
                "Algebra",
                "math-word-problem",
                valid,
                "yes",
                source,
                false,
                gens,
                gens == null ? 0L : (long) gens.size(),
                RowFactory.create(llama, mvAnswer, mvReparsed),
                list("x"),
                List.of(RowFactory.create(problem, "user")));
    }

    /** Raw rows, each with the reason it must end with (null = kept). */
    static final List<Object[]> RAW_ROWS = List.of(
            new Object[] {
                raw(
                        "Find x if x + 1 = 3.",
                        "2",
                        "yes",
                        "olympiads",
                        list("<think>a</think> \\boxed{2}", "<think>b</think> \\boxed{3}"),
                        list(true, false),
                        list(true, false),
                        list(true, false)),
                null
            },
            new Object[] {
                raw(
                        "Compute 2 * 21.",
                        "42",
                        " Yes ",
                        "amc_aime",
                        list("g0", "g1", "g2"),
                        list(true, true, false),
                        list(false, true, false),
                        list(true, true, true)),
                null
            },
            new Object[] {
                raw(
                        "What is 7 - 2?",
                        "5",
                        "yes",
                        "aops_forum",
                        list("only one"),
                        list(false),
                        list(false),
                        list(false)),
                null
            },
            new Object[] {
                raw(
                        "Solve 1 + 1.",
                        "2",
                        "yes",
                        "number_theory",
                        list("a", "b"),
                        list(true, true),
                        list(true, true),
                        list(true, true)),
                null
            },
            new Object[] {
                raw("cn problem", "1", "yes", "cn_k12", list("a"), list(true), list(true), list(true)), "source_dropped"
            },
            new Object[] {
                raw("invalid problem", "1", "no", "olympiads", list("a"), list(true), list(true), list(true)),
                "problem_not_valid"
            },
            new Object[] {
                raw(null, "1", "yes", "olympiads", list("a"), list(true), list(true), list(true)), "null_problem"
            },
            new Object[] {
                raw("no generations", "1", "yes", "olympiads", list(), list(), list(), list()), "empty_generations"
            },
            new Object[] {raw("null generations", "1", "yes", "olympiads", null, null, null, null), "empty_generations"
            },
            new Object[] {
                raw(
                        "short labels",
                        "1",
                        "yes",
                        "olympiads",
                        list("a", "b"),
                        list(true),
                        list(true, true),
                        list(true, true)),
                "list_lengths_disagree"
            },
            new Object[] {
                raw(
                        "broken bytes",
                        "1",
                        "yes",
                        "olympiads",
                        list("fine", "caf\uFFFD"),
                        list(true, true),
                        list(true, true),
                        list(true, true)),
                "not_utf8"
            },
            new Object[] {
                raw("no answer", " ", "yes", "olympiads", list("a"), list(true), list(true), list(true)), "blank_answer"
            });

    static Path write(String name, List<Row> rows, StructType schema) {
        Path path = dir.resolve(name);
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(path.toString());
        return path;
    }

    static String[] config(Path input, String... more) {
        List<String> a = new ArrayList<>(List.of(
                "teacher.kind=openr1",
                Runs.set("teacher.openr1.path", input),
                "problems.count=all",
                "problems.heldout-count=1"));
        a.addAll(List.of(more));
        return Runs.args(a);
    }

    @Test
    void rawIsExplodedPerGenerationWithItsLabelsAndEveryRowIsKeptOrRejected() {
        Path input = write("raw", RAW_ROWS.stream().map(o -> (Row) o[0]).toList(), RAW);
        Path runDir = dir.resolve("run-raw");
        StageOutcome outcome = Runs.generate(spark, runDir, config(input));

        List<Row> problems = Runs.table(spark, runDir, "problems").collectAsList();
        List<Row> rejects = Runs.table(spark, runDir, "rejects").collectAsList();
        assertThat(problems.size() + rejects.size())
                .as("input = kept + rejects")
                .isEqualTo(RAW_ROWS.size());

        Map<String, Long> expectedReasons = new HashMap<>();
        for (Object[] o : RAW_ROWS) {
            if (o[1] != null) {
                expectedReasons.merge((String) o[1], 1L, Long::sum);
            }
        }
        assertThat(outcome.rejects()).isEqualTo(expectedReasons);
        assertThat(rejects).allSatisfy(r -> {
            assertThat((String) r.getAs("stage")).isEqualTo("generate");
            assertThat((String) r.getAs("detail")).isNotBlank();
        });
        assertThat(rejects.stream()
                        .filter(r -> r.getAs("reason").equals("list_lengths_disagree"))
                        .findFirst()
                        .orElseThrow()
                        .<String>getAs("detail"))
                .contains("generations 2")
                .contains("correctness.llama_verification 1");
        assertThat(Runs.manifestStage(runDir)
                        .get("rejects")
                        .get("source_dropped")
                        .asLong())
                .isEqualTo(1);

        // Kept: the four good rows and the " Yes " one... which is row 2; one of them is held out.
        assertThat(problems).hasSize(4);
        assertThat(problems.stream()
                        .filter(r -> r.getAs("split").equals("heldout"))
                        .count())
                .isEqualTo(1);
        Map<String, Object[]> byProblem = new HashMap<>();
        for (Object[] o : RAW_ROWS) {
            if (o[1] == null) {
                byProblem.put(((Row) o[0]).getString(0), o);
            }
        }
        List<Row> traces = Runs.table(spark, runDir, "traces").collectAsList();
        int expectedTraces = 0;
        for (Row p : problems) {
            Row in = (Row) byProblem.get(p.<String>getAs("problem"))[0];
            assertThat(p.<String>getAs("gold")).isEqualTo(in.getString(2).strip());
            assertThat(p.<String>getAs("source")).isEqualTo(in.getString(7));
            assertThat(p.<String>getAs("problem_id")).startsWith("openr1-part-");
            List<Row> mine = traces.stream()
                    .filter(t -> t.getAs("problem_id").equals(p.getAs("problem_id")))
                    .sorted((a, b) -> Integer.compare(a.getAs("sample_idx"), b.getAs("sample_idx")))
                    .toList();
            if (p.getAs("split").equals("heldout")) {
                assertThat(mine).as("held-out problems have no traces").isEmpty();
                continue;
            }
            // The input rows hold Java lists (as given to createDataFrame).
            @SuppressWarnings("unchecked")
            List<String> gens = (List<String>) in.get(9);
            Row correctness = (Row) in.get(11);
            expectedTraces += gens.size();
            assertThat(mine).hasSize(gens.size());
            for (int i = 0; i < gens.size(); i++) {
                Row t = mine.get(i);
                assertThat(t.<Integer>getAs("sample_idx")).isEqualTo(i);
                assertThat(t.<String>getAs("text")).isEqualTo(gens.get(i));
                assertThat(t.<Boolean>getAs("openr1_llama")).isEqualTo(((List<?>) correctness.get(0)).get(i));
                assertThat(t.<Boolean>getAs("openr1_math_verify_answer"))
                        .isEqualTo(((List<?>) correctness.get(1)).get(i));
                assertThat(t.<Boolean>getAs("openr1_math_verify")).isEqualTo(((List<?>) correctness.get(2)).get(i));
                assertThat(t.<String>getAs("teacher")).isEqualTo("openr1:raw");
                assertThat(t.<String>getAs("error")).isNull();
                assertThat(t.<String>getAs("finish_reason")).isNull();
            }
        }
        assertThat(traces).hasSize(expectedTraces);
        assertThat(outcome.rows())
                .containsEntry("traces", (long) expectedTraces)
                .containsEntry("problems", 4L);

        // The same import again gives the same ids and tables.
        Runs.generate(spark, runDir, config(input));
        assertThat(Runs.table(spark, runDir, "problems").select("problem_id").collectAsList())
                .containsExactlyInAnyOrderElementsOf(problems.stream()
                        .map(r -> RowFactory.create(r.<String>getAs("problem_id")))
                        .toList());
    }

    @Test
    void thePaperFiltersAreOptionsOfTheImport() {
        Path input =
                write("raw-nofilter", RAW_ROWS.stream().map(o -> (Row) o[0]).toList(), RAW);
        Path runDir = dir.resolve("run-nofilter");
        StageOutcome outcome = Runs.generate(
                spark,
                runDir,
                config(
                        input,
                        "problems.heldout-count=0",
                        "teacher.openr1.require-valid-problem=false",
                        "teacher.openr1.drop-sources=[]",
                        "teacher.openr1.require-consistent-lengths=false"));
        assertThat(outcome.rejects())
                .doesNotContainKeys("source_dropped", "problem_not_valid", "list_lengths_disagree")
                .containsEntry("null_problem", 1L)
                .containsEntry("not_utf8", 1L);
        // The row with a shorter llama list is kept; its label past the list's end is null.
        List<Row> shortLabels = Runs.table(spark, runDir, "traces")
                .filter(col("problem").equalTo("short labels"))
                .orderBy("sample_idx")
                .collectAsList();
        assertThat(shortLabels).hasSize(2);
        assertThat(shortLabels.get(0).<Boolean>getAs("openr1_llama")).isTrue();
        assertThat(shortLabels.get(1).<Boolean>getAs("openr1_llama")).isNull();
        long problems = Runs.table(spark, runDir, "problems").count();
        long rejects = Runs.table(spark, runDir, "rejects").count();
        assertThat(problems + rejects).isEqualTo(RAW_ROWS.size());
        assertThat(problems).isEqualTo(7);
    }

    static Row v220k(
            String problem,
            String answer,
            String uuid,
            List<String> gens,
            List<Boolean> mv,
            List<Boolean> llama,
            List<String> finish) {
        return RowFactory.create(
                problem,
                "solution",
                answer,
                "Algebra",
                "math-word-problem",
                "olympiads",
                uuid,
                gens == null ? null : gens.stream().map(g -> true).toList(),
                gens,
                mv,
                llama,
                finish,
                mv == null ? 0L : mv.stream().filter(b -> b).count(),
                List.of(RowFactory.create(problem, "user")));
    }

    @Test
    void v220kKeepsFinishReasonsAndUuidsAndRejectsBadRows() {
        List<Row> rows = List.of(
                v220k("p1", "1", "u-1", list("a", "b"), list(true, false), list(true, true), list("stop", "length")),
                v220k("p2", "2", "u-2", list("c"), list(false), null, list("stop")),
                v220k("p3", "3", "u-3", list("d", "e"), list(true, true), list(true, true), list("stop")),
                v220k("p4", "4", "u-4", list("f"), list(true), list(true), list("stop")),
                v220k("p5", "5", "u-1", list("g"), list(true), list(true), list("stop")));
        Path input = write("220k", rows, V220K);
        Path runDir = dir.resolve("run-220k");
        StageOutcome outcome = Runs.generate(spark, runDir, config(input, "problems.heldout-count=0"));
        assertThat(outcome.rejects())
                .containsEntry("list_lengths_disagree", 1L)
                .containsEntry("duplicate_problem_id", 1L)
                .hasSize(2);
        List<Row> traces = Runs.table(spark, runDir, "traces")
                .orderBy("problem_id", "sample_idx")
                .collectAsList();
        assertThat(traces)
                .extracting(r -> r.<String>getAs("problem_id"))
                .containsExactly("openr1-u-1", "openr1-u-1", "openr1-u-2", "openr1-u-4");
        assertThat(traces)
                .extracting(r -> r.<String>getAs("finish_reason"))
                .containsExactly("stop", "length", "stop", "stop");
        assertThat(traces.get(1).<Boolean>getAs("openr1_math_verify")).isFalse();
        assertThat(traces.get(2).<Boolean>getAs("openr1_llama"))
                .as("correctness_llama may be null")
                .isNull();
        assertThat(traces).allMatch(r -> r.getAs("teacher").equals("openr1:220k"));
    }

    @Test
    void aFileWithoutThePublishedSchemaIsAOneLineErrorNamingTheKey() {
        StructType wrong = new StructType()
                .add("problem", StringType)
                .add("answer", StringType)
                .add("generations", StringType)
                .add("source", StringType)
                .add("correctness_math_verify", createArrayType(BooleanType))
                .add("uuid", StringType);
        Path input = write("wrong", List.of(RowFactory.create("p", "1", "g", "s", list(true), "u")), wrong);
        assertThatThrownBy(() -> Runs.generate(spark, dir.resolve("run-wrong"), config(input)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("teacher.openr1.path")
                .hasMessageContaining("`generations` is string, expected array<string>");
        Path v220k = write(
                "no-valid-column",
                List.of(v220k("p", "1", "u", list("a"), list(true), list(true), list("stop"))),
                V220K);
        assertThatThrownBy(() -> Runs.generate(
                        spark, dir.resolve("run-valid"), config(v220k, "teacher.openr1.require-valid-problem=true")))
                .hasMessageContaining("`problem_is_valid`");
    }
}
