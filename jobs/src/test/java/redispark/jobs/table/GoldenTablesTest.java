package redispark.jobs.table;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import redispark.teacher.Problem;
import redispark.train.RefLogProbs;

/**
 * Each table of the run directory read back from its reference copy ({@link GoldenTables}): the columns are the
 * table class's, the columns it declares non-null have no nulls, and rows read by name give the values the pipeline
 * wrote.
 */
class GoldenTablesTest {
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder()
                .master("local[1]")
                .config("spark.ui.enabled", "false")
                .getOrCreate();
        String from = System.getProperty(GoldenTables.WRITE_PROPERTY, "");
        if (!from.isEmpty()) {
            GoldenTables.writeAll(spark, Path.of(from));
        }
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static Stream<GoldenTables.Golden> goldens() {
        return GoldenTables.ALL.stream();
    }

    static Dataset<Row> read(TableLayout layout) {
        Path dir = GoldenTables.DIR.resolve(layout.versionedName());
        assertThat(dir)
                .as("reference copy of %s version %d (see GoldenTables to write it)", layout.name(), layout.version())
                .isDirectory();
        return spark.read().parquet(dir.toString());
    }

    @ParameterizedTest
    @MethodSource("goldens")
    void readsBackWithTheTableClassColumns(GoldenTables.Golden g) {
        Dataset<Row> table = read(g.layout());
        assertThat(table.schema()).isEqualTo(g.layout().asRead());
        assertThat(table.count()).isPositive();
    }

    @ParameterizedTest
    @MethodSource("goldens")
    void columnsDeclaredNonNullHaveNoNulls(GoldenTables.Golden g) {
        List<Row> rows = read(g.layout()).collectAsList();
        for (StructField f : g.layout().schema().fields()) {
            if (!f.nullable()) {
                assertThat(rows)
                        .as(g.layout().name() + "." + f.name())
                        .noneMatch(r -> r.isNullAt(r.fieldIndex(f.name())));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("goldens")
    void everyVersionOfATableHasOneCopy(GoldenTables.Golden g) throws Exception {
        try (Stream<Path> dirs = Files.list(GoldenTables.DIR)) {
            List<String> versions = dirs.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(g.layout().name().replace('/', '_') + "-v"))
                    .toList();
            assertThat(versions).containsExactly(g.layout().versionedName());
        }
    }

    /** The one row of {@code table} where each named column has the given value. */
    static Row only(Dataset<Row> table, Object... columnsAndValues) {
        Dataset<Row> d = table;
        for (int i = 0; i < columnsAndValues.length; i += 2) {
            d = d.filter(col((String) columnsAndValues[i]).equalTo(columnsAndValues[i + 1]));
        }
        List<Row> rows = d.collectAsList();
        assertThat(rows).hasSize(1);
        return rows.get(0);
    }

    @Test
    void problemsReadByName() {
        Dataset<Row> problems = read(ProblemsTable.LAYOUT);
        Row r = only(problems, ProblemsTable.PROBLEM_ID, "arithmetic-7-0");
        assertThat(ProblemsTable.problem(r))
                .isEqualTo(new Problem("arithmetic-7-0", "Compute 2 + 5 + 7.", "14", "arithmetic", 2));
        assertThat(r.<String>getAs(ProblemsTable.SPLIT)).isEqualTo(ProblemsTable.TRAIN);
        assertThat(problems.filter(col(ProblemsTable.SPLIT).equalTo(ProblemsTable.HELDOUT))
                        .count())
                .isEqualTo(2);
    }

    @Test
    void tracesReadByName() {
        Row r = only(read(TracesTable.LAYOUT), TracesTable.PROBLEM_ID, "arithmetic-7-0", TracesTable.SAMPLE_IDX, 1);
        assertThat(r.<String>getAs(TracesTable.TEXT)).endsWith("The final answer is \\boxed{14}.");
        assertThat(r.<String>getAs(TracesTable.FINISH_REASON)).isEqualTo(TracesTable.FINISHED);
        assertThat(r.<String>getAs(TracesTable.TEACHER)).isEqualTo("builtin");
        assertThat(r.<String>getAs(TracesTable.GENERATION_CONFIG)).isEqualTo("0c83a729cfd9e88f");
        assertThat(r.<String>getAs(TracesTable.ERROR)).isNull();
        assertThat(r.<Integer>getAs(TracesTable.DIFFICULTY)).isEqualTo(2);
        assertThat(r.<Boolean>getAs(TracesTable.OPENR1_LLAMA)).isNull();
    }

    @Test
    void labeledTracesReadByName() {
        Row r = only(
                read(LabeledTracesTable.LAYOUT), TracesTable.PROBLEM_ID, "arithmetic-7-10", TracesTable.SAMPLE_IDX, 2);
        assertThat(r.<Boolean>getAs(LabeledTracesTable.CORRECT)).isFalse();
        assertThat(r.<String>getAs(LabeledTracesTable.EXTRACTED)).isEqualTo("-43");
        assertThat(r.<String>getAs(LabeledTracesTable.REASON)).isEqualTo("mismatch");
        assertThat(r.<String>getAs(LabeledTracesTable.VERIFIER_VERSION)).isEqualTo("1");
        assertThat(r.<String>getAs(TracesTable.GOLD)).isEqualTo("-44");
    }

    @Test
    void positivesAndNegativesReadByName() {
        Dataset<Row> positives = read(PositivesTable.LAYOUT);
        Row first = only(positives, PositivesTable.PROBLEM_ID, "arithmetic-7-0", PositivesTable.SAMPLE_IDX, 0);
        assertThat(first.<Boolean>getAs(PositivesTable.SELECTED)).isTrue();
        assertThat(first.<Integer>getAs(PositivesTable.PROMPT_TOKENS)).isEqualTo(37);
        assertThat(first.<Integer>getAs(PositivesTable.COMPLETION_TOKENS)).isEqualTo(58);
        assertThat(first.<String>getAs(PositivesTable.PROMPT)).isEqualTo("Compute 2 + 5 + 7.");
        Row second = only(positives, PositivesTable.PROBLEM_ID, "arithmetic-7-0", PositivesTable.SAMPLE_IDX, 1);
        assertThat(second.<Boolean>getAs(PositivesTable.SELECTED)).isFalse();
        Row negative = only(
                read(NegativesTable.LAYOUT),
                NegativesTable.PROBLEM_ID,
                "arithmetic-7-11",
                NegativesTable.SAMPLE_IDX,
                3);
        assertThat(negative.<String>getAs(NegativesTable.COMPLETION)).endsWith("\\boxed{39}.");
        assertThat(negative.<Integer>getAs(NegativesTable.COMPLETION_TOKENS)).isEqualTo(60);
        assertThat(negative.<String>getAs(NegativesTable.SOURCE)).isEqualTo("arithmetic");
    }

    @Test
    void pairsAndReferenceLogProbsReadByNameAsTrainingExamples() {
        Dataset<Row> pairs = read(PairsTable.LAYOUT);
        Row pair = only(pairs, PairsTable.PROBLEM_ID, "arithmetic-7-12");
        assertThat(pair.<Integer>getAs(PairsTable.CHOSEN_IDX)).isEqualTo(0);
        assertThat(pair.<Integer>getAs(PairsTable.REJECTED_IDX)).isEqualTo(2);
        assertThat(pair.<Integer>getAs(PairsTable.CHOSEN_TOKENS)).isEqualTo(58);
        assertThat(pair.<Integer>getAs(PairsTable.REJECTED_TOKENS)).isEqualTo(48);
        Dataset<Row> ref = read(RefLogProbsTable.LAYOUT);
        Row refRow = only(ref, RefLogProbsTable.PROBLEM_ID, "arithmetic-7-12");
        assertThat(refRow.<Double>getAs(RefLogProbsTable.REF_CHOSEN_LOGPS)).isEqualTo(-170.39295959472656);
        assertThat(refRow.<String>getAs(RefLogProbsTable.REASON)).isNull();

        Dataset<Row> joined = pairs.join(ref, RefLogProbsTable.KEY.toArray(String[]::new), "left");
        Row example = only(
                TrainingExampleFrame.pairs(
                        joined,
                        col(PairsTable.PROBLEM_ID),
                        col(PairsTable.PROMPT),
                        col(PairsTable.CHOSEN),
                        col(PairsTable.REJECTED),
                        col(RefLogProbsTable.REF_CHOSEN_LOGPS),
                        col(RefLogProbsTable.REF_REJECTED_LOGPS)),
                TrainingExampleFrame.ID,
                "arithmetic-7-12");
        assertThat(TrainingExampleFrame.reference(example))
                .isEqualTo(new RefLogProbs(-170.39295959472656, -138.46409606933594));
        assertThat(TrainingExampleFrame.first(example)).isEqualTo(pair.<String>getAs(PairsTable.CHOSEN));
        assertThat(TrainingExampleFrame.second(example)).isEqualTo(pair.<String>getAs(PairsTable.REJECTED));
        assertThat(TrainingExampleFrame.negative(example)).isFalse();
    }

    @Test
    void rejectsReadByNameWithTheStageOfTheirPartition() {
        Dataset<Row> rejects = read(RejectsTable.LAYOUT);
        Row r = only(rejects, RejectsTable.PROBLEM_ID, "arithmetic-7-10", RejectsTable.SAMPLE_IDX, 0);
        assertThat(r.<String>getAs(RejectsTable.STAGE)).isEqualTo("split");
        assertThat(r.<String>getAs(RejectsTable.REASON)).isEqualTo("response_too_long");
        assertThat(r.<String>getAs(RejectsTable.DETAIL)).isEqualTo("prompt_tokens=37 completion_tokens=62");
    }

    @Test
    void evalGenerationsAndMetricsReadByName() {
        Row r = only(read(EvalGenerationsTable.LAYOUT), EvalGenerationsTable.MODEL, "base");
        assertThat(r.<String>getAs(EvalGenerationsTable.BENCHMARK)).isEqualTo("synthetic");
        assertThat(r.<String>getAs(EvalGenerationsTable.PROBLEM_ID)).isEqualTo("arithmetic-7-80");
        assertThat(r.<String>getAs(EvalGenerationsTable.FINISH_REASON)).isEqualTo(TracesTable.CUT_AT_LIMIT);
        assertThat(r.<Integer>getAs(EvalGenerationsTable.COMPLETION_TOKENS)).isEqualTo(96);
        assertThat(r.<Boolean>getAs(EvalGenerationsTable.CORRECT)).isFalse();
        assertThat(r.<String>getAs(EvalGenerationsTable.REASON)).isEqualTo("no_answer");
        assertThat(r.<String>getAs(EvalGenerationsTable.EXTRACTED)).isNull();
        Row lr = only(read(MetricsTable.LAYOUT), MetricsTable.STEP, 1, MetricsTable.METRIC, "learning_rate");
        assertThat(lr.<Double>getAs(MetricsTable.VALUE)).isEqualTo(0.003);
    }

    @Test
    void conformingAFrameOrdersAndCastsByNameAndNamesAMissingColumn() {
        Dataset<Row> problems = read(ProblemsTable.LAYOUT);
        Dataset<Row> shuffled = problems.select(
                col(ProblemsTable.SPLIT),
                col(ProblemsTable.DIFFICULTY).cast("long").as(ProblemsTable.DIFFICULTY),
                col(ProblemsTable.GOLD),
                col(ProblemsTable.PROBLEM),
                col(ProblemsTable.SOURCE),
                col(ProblemsTable.PROBLEM_ID),
                col(ProblemsTable.PROBLEM_ID).as("extra"));
        assertThat(ProblemsTable.conform(shuffled).schema()).isEqualTo(ProblemsTable.LAYOUT.asRead());
        assertThat(ProblemsTable.conform(shuffled).collectAsList()).isEqualTo(problems.collectAsList());
        assertThatThrownBy(() -> ProblemsTable.conform(problems.drop(ProblemsTable.SPLIT)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("problems: column 'split' missing");
    }
}
