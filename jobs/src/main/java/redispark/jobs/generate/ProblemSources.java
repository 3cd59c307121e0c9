package redispark.jobs.generate;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import redispark.jobs.generate.ProblemSelection.Selected;
import redispark.jobs.run.HadoopFiles;
import redispark.jobs.table.ProblemCandidatesFrame;
import redispark.jobs.table.ProblemsTable;
import redispark.jobs.table.RawProblemsFrame;
import redispark.jobs.table.RejectsTable;
import redispark.teacher.Problem;
import redispark.teacher.SyntheticProblems;
import redispark.teacher.source.Benchmark;
import redispark.teacher.source.BenchmarkProblems;
import redispark.teacher.source.ReadResult;
import redispark.teacher.source.Reject;

/** The problem sources of {@code problems.source}: builtin, benchmark and table. */
public final class ProblemSources {
    private ProblemSources() {}

    /** The problems table and the rejected input rows of the configured source. */
    public static Selected read(SparkSession spark, HadoopFiles files, GenerateConfig.Problems p) {
        return switch (p.source()) {
            case BUILTIN -> builtin(spark, p);
            case BENCHMARK -> benchmarks(spark, files, p);
            case TABLE -> table(spark, p);
        };
    }

    // ---- builtin -----------------------------------------------------------------------------------------

    /** Training problems are indices 0..count-1 of the families, held-out ones the next heldout-count. */
    static Selected builtin(SparkSession spark, GenerateConfig.Problems p) {
        var spec = p.spec();
        int trainCount = p.count();
        List<Integer> indices = new ArrayList<>(trainCount + p.heldoutCount());
        for (int i = 0; i < trainCount + p.heldoutCount(); i++) {
            indices.add(i);
        }
        int partitions = Math.max(1, spark.sparkContext().defaultParallelism());
        var rows = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(indices, partitions)
                .map(i -> {
                    Problem q = SyntheticProblems.generate(spec, i);
                    return ProblemsTable.row(q, i < trainCount ? ProblemsTable.TRAIN : ProblemsTable.HELDOUT);
                });
        // Cached: the problems and the overlap rejects both come from it (a few thousand small rows).
        Dataset<Row> generated =
                spark.createDataFrame(rows, ProblemsTable.SCHEMA).persist(StorageLevel.MEMORY_AND_DISK());
        return ProblemSelection.dropHeldoutOverlaps(spark, generated);
    }

    // ---- benchmark ---------------------------------------------------------------------------------------

    static Selected benchmarks(SparkSession spark, HadoopFiles files, GenerateConfig.Problems p) {
        Path dir = BenchmarkDir.resolve(p.benchmark().dir(), "problems.benchmark.dir", files);
        List<Row> candidates = new ArrayList<>();
        List<Row> rejects = new ArrayList<>();
        for (String name : p.benchmark().names()) {
            Benchmark b = Benchmark.fromId(name);
            ReadResult read;
            try {
                read = BenchmarkProblems.fromDir(dir, b);
            } catch (IOException e) {
                throw new UncheckedIOException("problems.benchmark: cannot read " + dir.resolve(b.fileName()), e);
            }
            for (Problem q : read.problems()) {
                candidates.add(ProblemCandidatesFrame.row(q));
            }
            for (Reject r : read.rejects()) {
                rejects.add(RejectsTable.row(
                        "generate",
                        jsonlReason(r.reason()),
                        null,
                        null,
                        b.fileName() + " line " + r.lineNumber() + ": " + r.reason()));
            }
        }
        Selected s = ProblemSelection.byHash(
                spark,
                spark.createDataFrame(candidates, ProblemCandidatesFrame.SCHEMA),
                p.heldoutCount(),
                p.count(),
                p.seed());
        return new Selected(
                s.problems(),
                spark.createDataFrame(rejects, RejectsTable.SCHEMA).unionByName(s.rejects()));
    }

    /** A reason class for the free-text reasons of {@link redispark.teacher.source.JsonlProblems}. */
    static String jsonlReason(String reason) {
        String r = reason.toLowerCase(Locale.ROOT);
        if (r.startsWith("not valid utf-8")) {
            return "not_utf8";
        } else if (r.startsWith("blank line")) {
            return "blank_line";
        } else if (r.startsWith("invalid json")) {
            return "invalid_json";
        } else if (r.startsWith("not a json object")) {
            return "not_an_object";
        } else if (r.startsWith("duplicate id")) {
            return "duplicate_problem_id";
        } else if (r.contains("answer") || r.contains("\\boxed") || r.contains("####")) {
            return "blank_answer";
        } else if (r.contains("\"problem\"")
                || r.contains("\"question\"")
                || r.contains("\"body\"")
                || r.contains("\"input\"")) {
            return "null_problem";
        }
        return "invalid_row";
    }

    // ---- table -------------------------------------------------------------------------------------------

    private static final String FFFD = "\uFFFD";

    /** A Parquet or JSONL table with configured columns; every row is a candidate or a reject. */
    static Selected table(SparkSession spark, GenerateConfig.Problems p) {
        GenerateConfig.Table t = p.table();
        Dataset<Row> raw = format(t).equals("jsonl") ? jsonl(spark, t) : parquet(spark, t);
        boolean hasId = !t.idColumn().isEmpty();
        boolean hasDifficulty = !t.difficultyColumn().isEmpty();
        Column problem = col(RawProblemsFrame.PROBLEM);
        Column answer = col(RawProblemsFrame.ANSWER);
        Column id = hasId ? trim(col(RawProblemsFrame.ID)) : substring(sha2(problem, 256), 1, 16);
        Column reason = when(col(RawProblemsFrame.BAD).isNotNull(), col(RawProblemsFrame.BAD))
                .when(problem.isNull().or(trim(problem).equalTo("")), lit("null_problem"))
                .when(answer.isNull().or(trim(answer).equalTo("")), lit("blank_answer"))
                .when(
                        problem.contains(FFFD)
                                .or(answer.contains(FFFD))
                                .or(coalesce(col(RawProblemsFrame.ID), lit("")).contains(FFFD)),
                        lit("not_utf8"));
        if (hasId) {
            reason = reason.when(
                    col(RawProblemsFrame.ID)
                            .isNull()
                            .or(trim(col(RawProblemsFrame.ID)).equalTo("")),
                    lit("null_id"));
        }
        if (hasDifficulty) {
            reason = reason.when(
                    col(RawProblemsFrame.DIFFICULTY)
                            .isNull()
                            .or(col(RawProblemsFrame.DIFFICULTY).lt(1)),
                    lit("bad_difficulty"));
        }
        Column detailOfRow = coalesce(
                col(RawProblemsFrame.DETAIL),
                concat(lit("problem: "), substring(coalesce(problem, lit("null")), 1, 120)));
        Dataset<Row> classified = raw.withColumn(
                        "reason", reason.otherwise(lit(null).cast(DataTypes.StringType)))
                .withColumn(ProblemsTable.PROBLEM_ID, when(problem.isNotNull(), concat(lit(t.sourceName() + "-"), id)))
                .withColumn("row_detail", detailOfRow);
        Dataset<Row> rejects = classified
                .filter(col("reason").isNotNull())
                .select(
                        lit("generate").as(RejectsTable.STAGE),
                        col("reason").as(RejectsTable.REASON),
                        col(ProblemsTable.PROBLEM_ID).as(RejectsTable.PROBLEM_ID),
                        lit(null).cast(DataTypes.IntegerType).as(RejectsTable.SAMPLE_IDX),
                        col("row_detail").as(RejectsTable.DETAIL));
        Dataset<Row> candidates = classified
                .filter(col("reason").isNull())
                .select(
                        col(ProblemCandidatesFrame.PROBLEM_ID),
                        trim(problem).as(ProblemCandidatesFrame.PROBLEM),
                        trim(answer).as(ProblemCandidatesFrame.GOLD),
                        lit(t.sourceName()).as(ProblemCandidatesFrame.SOURCE),
                        (hasDifficulty ? col(RawProblemsFrame.DIFFICULTY) : lit(1))
                                .as(ProblemCandidatesFrame.DIFFICULTY));
        Selected s = ProblemSelection.byHash(
                spark,
                spark.createDataFrame(
                        ProblemCandidatesFrame.conform(candidates).toJavaRDD(), ProblemCandidatesFrame.SCHEMA),
                p.heldoutCount(),
                p.count(),
                p.seed());
        return new Selected(s.problems(), RejectsTable.conform(rejects).unionByName(RejectsTable.conform(s.rejects())));
    }

    static String format(GenerateConfig.Table t) {
        if (!t.format().equals("auto")) {
            return t.format();
        }
        String path = t.path().toLowerCase(Locale.ROOT);
        for (String ext : List.of(".jsonl", ".json", ".jsonl.gz", ".json.gz")) {
            if (path.endsWith(ext)) {
                return "jsonl";
            }
        }
        return "parquet";
    }

    private static Dataset<Row> parquet(SparkSession spark, GenerateConfig.Table t) {
        Dataset<Row> df = spark.read().parquet(t.path());
        StructType schema = df.schema();
        Column problem = column(schema, t.problemColumn(), "problems.table.problem-column", Kind.TEXT);
        Column answer = column(schema, t.answerColumn(), "problems.table.answer-column", Kind.ANSWER);
        Column id = t.idColumn().isEmpty()
                ? lit(null).cast(DataTypes.StringType)
                : column(schema, t.idColumn(), "problems.table.id-column", Kind.ID);
        Column difficulty = t.difficultyColumn().isEmpty()
                ? lit(null).cast(DataTypes.IntegerType)
                : column(schema, t.difficultyColumn(), "problems.table.difficulty-column", Kind.INTEGER);
        return df.select(
                problem.as(RawProblemsFrame.PROBLEM),
                answer.as(RawProblemsFrame.ANSWER),
                id.as(RawProblemsFrame.ID),
                difficulty.as(RawProblemsFrame.DIFFICULTY),
                lit(null).cast(DataTypes.StringType).as(RawProblemsFrame.BAD),
                lit(null).cast(DataTypes.StringType).as(RawProblemsFrame.DETAIL));
    }

    private enum Kind {
        TEXT,
        ANSWER,
        ID,
        INTEGER
    }

    /** The column as a string (or int), checking its type; numbers as plain decimals without trailing zeros. */
    private static Column column(StructType schema, String name, String key, Kind kind) {
        if (!List.of(schema.fieldNames()).contains(name)) {
            throw new IllegalArgumentException(key + ": the table has no column '" + name + "' (columns: "
                    + String.join(", ", schema.fieldNames()) + ")");
        }
        DataType type = schema.apply(name).dataType();
        Column c = col("`" + name + "`");
        boolean integral = type == DataTypes.ByteType
                || type == DataTypes.ShortType
                || type == DataTypes.IntegerType
                || type == DataTypes.LongType;
        boolean fractional = type == DataTypes.FloatType || type == DataTypes.DoubleType || type instanceof DecimalType;
        boolean text = type == DataTypes.StringType;
        switch (kind) {
            case TEXT -> {
                if (text) {
                    return c;
                }
            }
            case ID -> {
                if (text || integral) {
                    return c.cast(DataTypes.StringType);
                }
            }
            case INTEGER -> {
                if (integral) {
                    return c.cast(DataTypes.IntegerType);
                }
            }
            case ANSWER -> {
                if (text || integral) {
                    return c.cast(DataTypes.StringType);
                }
                if (fractional) {
                    return plainDecimal(
                            c.cast(DataTypes.createDecimalType(38, 12)).cast(DataTypes.StringType));
                }
            }
        }
        throw new IllegalArgumentException(key + ": column '" + name + "' is " + type.simpleString() + ", expected "
                + switch (kind) {
                    case TEXT -> "string";
                    case ID -> "string or an integer type";
                    case INTEGER -> "an integer type";
                    case ANSWER -> "string or a number";
                });
    }

    /** {@code 27.000000000000 -> 27}, {@code 1.840000000000 -> 1.84}. */
    private static Column plainDecimal(Column decimalText) {
        return regexp_replace(regexp_replace(decimalText, "(\\.\\d*?)0+$", "$1"), "\\.$", "");
    }

    /** One row per line of a JSONL file, parsed on the executors; a line that is no problem row says why. */
    private static Dataset<Row> jsonl(SparkSession spark, GenerateConfig.Table t) {
        JsonlLines parser = new JsonlLines(t.problemColumn(), t.answerColumn(), t.idColumn(), t.difficultyColumn());
        return spark.read()
                .text(t.path())
                .mapPartitions(
                        (org.apache.spark.api.java.function.MapPartitionsFunction<Row, Row>)
                                lines -> TraceRows.flatMap(lines, r -> List.of(parser.parse(r.getString(0)))),
                        Encoders.row(RawProblemsFrame.SCHEMA));
    }
}
