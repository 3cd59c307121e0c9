package redispark.jobs.generate;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.exists;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.try_element_at;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import redispark.jobs.table.ProblemCandidatesFrame;
import redispark.jobs.table.ProblemsTable;
import redispark.jobs.table.RejectsTable;
import redispark.jobs.table.TracesTable;

/**
 * Imports OpenR1-Math-Raw or OpenR1-Math-220k (Parquet, with the column names and types as published) as problems
 * and traces: one trace per generation ({@code posexplode}, {@code sample_idx} = position in {@code generations}),
 * OpenR1's own labels kept in the {@code openr1_*} trace columns.
 *
 * <p>Every input row is a problem (or becomes one of the selection's rejects) or a reject of its own, with the
 * first reason that applies, in this order: the paper's filters ({@code problem_not_valid}, {@code
 * source_dropped}), then bad input ({@code null_problem}, {@code empty_generations}, {@code
 * list_lengths_disagree}, {@code not_utf8} — a text holding U+FFFD after decoding — and {@code blank_answer}, as
 * the labels need a gold answer).
 *
 * <p>{@code problem_id} is {@code openr1-<uuid>} where the row has a uuid, else {@code
 * openr1-<file name>-<row index in the file>} (Raw has no uuid): stable across reads of the same files.
 */
public final class OpenR1Import {
    private OpenR1Import() {}

    /** A published variant: which lists hold which label. */
    enum Variant {
        RAW("openr1:raw"),
        V220K("openr1:220k");

        final String teacher;

        Variant(String teacher) {
            this.teacher = teacher;
        }
    }

    /** The label and finish-reason lists of a variant, as (column path, required, trace column or null). */
    private record LabelList(String path, boolean required, String traceColumn, String type) {}

    private static List<LabelList> lists(Variant v) {
        return v == Variant.RAW
                ? List.of(
                        new LabelList(
                                "correctness.llama_verification", true, TracesTable.OPENR1_LLAMA, "array<boolean>"),
                        new LabelList(
                                "correctness.math_verify_reparsed_answer",
                                true,
                                TracesTable.OPENR1_MATH_VERIFY,
                                "array<boolean>"),
                        new LabelList(
                                "correctness.math_verify_answer",
                                false,
                                TracesTable.OPENR1_MATH_VERIFY_ANSWER,
                                "array<boolean>"))
                : List.of(
                        new LabelList(
                                "correctness_math_verify", true, TracesTable.OPENR1_MATH_VERIFY, "array<boolean>"),
                        new LabelList("correctness_llama", false, TracesTable.OPENR1_LLAMA, "array<boolean>"),
                        new LabelList("finish_reasons", false, TracesTable.FINISH_REASON, "array<string>"),
                        new LabelList("is_reasoning_complete", false, null, "array<boolean>"));
    }

    /** The checked input with its variant and whether the problem_is_valid filter applies. */
    record Input(Dataset<Row> rows, Variant variant, boolean requireValid, GenerateConfig.OpenR1 config) {}

    /** Reads the file and checks its schema against the published one. */
    static Input read(SparkSession spark, GenerateConfig.OpenR1 c) {
        Dataset<Row> df = spark.read().parquet(c.path());
        StructType schema = df.schema();
        Variant variant = switch (c.variant()) {
            case "raw" -> Variant.RAW;
            case "220k" -> Variant.V220K;
            default -> {
                if (find(schema, "correctness") != null) {
                    yield Variant.RAW;
                } else if (find(schema, "correctness_math_verify") != null) {
                    yield Variant.V220K;
                }
                throw new IllegalArgumentException("teacher.openr1.path: " + c.path() + " has neither a "
                        + "`correctness` struct (OpenR1-Math-Raw) nor `correctness_math_verify` (OpenR1-Math-220k); "
                        + "columns: " + String.join(", ", schema.fieldNames()));
            }
        };
        for (String[] required : new String[][] {
            {"problem", "string"}, {"answer", "string"}, {"generations", "array<string>"}, {"source", "string"}
        }) {
            requireColumn(c, variant, schema, required[0], required[1], true);
        }
        for (LabelList l : lists(variant)) {
            requireColumn(c, variant, schema, l.path(), l.type(), l.required());
        }
        requireColumn(c, variant, schema, "uuid", "string", variant == Variant.V220K);
        boolean requireValid = switch (c.requireValidProblem()) {
            case "true" -> true;
            case "false" -> false;
            default -> variant == Variant.RAW;
        };
        if (requireValid) {
            requireColumn(c, variant, schema, "problem_is_valid", "string", true);
        }
        return new Input(df, variant, requireValid, c);
    }

    /** The input with its position: {@code _file} (full path) and {@code _row} (row index in the file). */
    private static Dataset<Row> positioned(Input in) {
        return in.rows()
                .withColumn("_file", col("_metadata.file_path"))
                .withColumn("_row", col("_metadata.row_index"))
                .withColumn("_file_name", col("_metadata.file_name"));
    }

    /**
     * One narrow row per input row: {@code problem_id, problem, answer, source, reason} (null = kept), {@code
     * detail, _file, _row}. Reads every generation once (for the U+FFFD check); persist it, it is used thrice.
     */
    static Dataset<Row> classified(Input in) {
        Dataset<Row> df = positioned(in);
        StructType schema = in.rows().schema();
        Column gens = col("generations");
        Column n = size(gens);
        Column problem = col("problem");
        Column answer = col("answer");
        Column reason = lit(null).cast(DataTypes.StringType);
        Column detail = lit(null).cast(DataTypes.StringType);
        List<Column[]> checks = new ArrayList<>();
        if (in.requireValid()) {
            Column valid = coalesce(lower(trim(col("problem_is_valid"))).equalTo("yes"), lit(false));
            checks.add(new Column[] {
                valid.unary_$bang(),
                lit("problem_not_valid"),
                concat(lit("problem_is_valid = "), coalesce(col("problem_is_valid"), lit("null")))
            });
        }
        if (!in.config().dropSources().isEmpty()) {
            checks.add(new Column[] {
                coalesce(col("source").isin(in.config().dropSources().toArray()), lit(false)),
                lit("source_dropped"),
                concat(lit("source = "), col("source"))
            });
        }
        checks.add(new Column[] {
            problem.isNull().or(trim(problem).equalTo("")), lit("null_problem"), lit("problem is null or blank")
        });
        checks.add(new Column[] {
            gens.isNull().or(n.equalTo(0)), lit("empty_generations"), lit("generations is null or empty")
        });
        if (in.config().requireConsistentLengths()) {
            Column disagree = lit(false);
            List<Column> sizes = new ArrayList<>(
                    List.of(concat(lit("generations "), coalesce(n.cast(DataTypes.StringType), lit("null")))));
            for (LabelList l : lists(in.variant())) {
                if (find(schema, l.path()) == null) {
                    continue;
                }
                Column list = col(l.path());
                Column bad = list.isNull()
                        .and(lit(l.required()))
                        .or(list.isNotNull().and(size(list).notEqual(n)));
                disagree = disagree.or(coalesce(bad, lit(false)));
                sizes.add(concat(lit(l.path() + " "), coalesce(size(list).cast(DataTypes.StringType), lit("null"))));
            }
            checks.add(
                    new Column[] {disagree, lit("list_lengths_disagree"), concat_ws(", ", sizes.toArray(Column[]::new))
                    });
        }
        Column badProblem = coalesce(problem.contains("\uFFFD"), lit(false));
        Column badAnswer = coalesce(answer.contains("\uFFFD"), lit(false));
        Column badGeneration = coalesce(exists(gens, g -> coalesce(g.contains("\uFFFD"), lit(false))), lit(false));
        checks.add(new Column[] {
            badProblem.or(badAnswer).or(badGeneration),
            lit("not_utf8"),
            when(badProblem, lit("U+FFFD in problem"))
                    .when(badAnswer, lit("U+FFFD in answer"))
                    .otherwise(lit("U+FFFD in generations"))
        });
        checks.add(new Column[] {
            answer.isNull().or(trim(answer).equalTo("")), lit("blank_answer"), lit("answer is null or blank")
        });
        // The first reason that applies wins: build the CASE from the last check backwards.
        for (int i = checks.size() - 1; i >= 0; i--) {
            Column[] c = checks.get(i);
            reason = when(c[0], c[1]).otherwise(reason);
            detail = when(c[0], c[2]).otherwise(detail);
        }
        Column fallbackId = concat(
                regexp_replace(col("_file_name"), "\\.parquet$", ""),
                lit("-"),
                col("_row").cast(DataTypes.StringType));
        Column uuid = find(schema, "uuid") == null
                ? lit(null).cast(DataTypes.StringType)
                : when(trim(col("uuid")).notEqual(""), trim(col("uuid")));
        Dataset<Row> narrow = df.select(
                concat(lit("openr1-"), coalesce(uuid, fallbackId)).as(ProblemsTable.PROBLEM_ID),
                col("problem"),
                col("answer"),
                col("source"),
                reason.as("reason"),
                detail.as("detail"),
                col("_file"),
                col("_row"));
        // Two kept rows with one uuid would collide on (problem_id, sample_idx): the first in file order stays.
        Column rank = row_number()
                .over(Window.partitionBy(
                                col(ProblemsTable.PROBLEM_ID), col("reason").isNull())
                        .orderBy("_file", "_row"));
        return narrow.withColumn("_rank", rank)
                .withColumn(
                        "detail",
                        when(col("reason").isNull().and(col("_rank").gt(1)), lit("another row has the same uuid"))
                                .otherwise(col("detail")))
                .withColumn(
                        "reason",
                        when(col("reason").isNull().and(col("_rank").gt(1)), lit("duplicate_problem_id"))
                                .otherwise(col("reason")))
                .drop("_rank");
    }

    /** Kept rows as candidate problems ({@link ProblemCandidatesFrame}). */
    static Dataset<Row> candidates(Dataset<Row> classified) {
        return classified
                .filter(col("reason").isNull())
                .select(
                        col(ProblemsTable.PROBLEM_ID).as(ProblemCandidatesFrame.PROBLEM_ID),
                        trim(col("problem")).as(ProblemCandidatesFrame.PROBLEM),
                        trim(col("answer")).as(ProblemCandidatesFrame.GOLD),
                        coalesce(when(trim(col("source")).notEqual(""), trim(col("source"))), lit("openr1"))
                                .as(ProblemCandidatesFrame.SOURCE),
                        lit(1).as(ProblemCandidatesFrame.DIFFICULTY));
    }

    /** Rejected rows ({@link RejectsTable} columns). */
    static Dataset<Row> rejects(Dataset<Row> classified) {
        return classified
                .filter(col("reason").isNotNull())
                .select(
                        lit("generate").as(RejectsTable.STAGE),
                        col("reason").as(RejectsTable.REASON),
                        col(ProblemsTable.PROBLEM_ID).as(RejectsTable.PROBLEM_ID),
                        lit(null).cast(DataTypes.IntegerType).as(RejectsTable.SAMPLE_IDX),
                        col("detail").as(RejectsTable.DETAIL));
    }

    /**
     * One {@link TracesTable} row per generation of every training problem: the file is read again and its
     * rows matched to the training problems by position, so only kept, unique rows are exploded.
     *
     * @param classified {@link #classified} of the same input
     * @param train the training rows of the written problems table
     */
    static Dataset<Row> traces(Input in, Dataset<Row> classified, Dataset<Row> train, String generationConfig) {
        StructType schema = in.rows().schema();
        List<Column> keep =
                new ArrayList<>(List.of(col("_file").as("_wf"), col("_row").as("_wr"), col("generations")));
        Map<String, String> traceToList = new java.util.LinkedHashMap<>();
        for (LabelList l : lists(in.variant())) {
            if (l.traceColumn() != null && find(schema, l.path()) != null) {
                keep.add(col(l.path()).as("_l_" + l.traceColumn()));
                traceToList.put(l.traceColumn(), "_l_" + l.traceColumn());
            }
        }
        Dataset<Row> wide = positioned(in).select(keep.toArray(Column[]::new));
        Dataset<Row> where = classified
                .filter(col("reason").isNull())
                .select(col(ProblemsTable.PROBLEM_ID).as("_id"), col("_file"), col("_row"));
        List<String> fromProblem = List.of(
                TracesTable.PROBLEM_ID,
                TracesTable.PROBLEM,
                TracesTable.GOLD,
                TracesTable.SOURCE,
                TracesTable.DIFFICULTY);
        Dataset<Row> trainWhere = train.select(
                        fromProblem.stream().map(c -> col(c)).toArray(Column[]::new))
                .join(where, col(ProblemsTable.PROBLEM_ID).equalTo(col("_id")));
        Dataset<Row> joined = trainWhere.join(
                wide,
                trainWhere
                        .col("_file")
                        .equalTo(wide.col("_wf"))
                        .and(trainWhere.col("_row").equalTo(wide.col("_wr"))));
        List<Column> withPos =
                new ArrayList<>(fromProblem.stream().map(c -> col(c)).toList());
        withPos.add(posexplode(col("generations")).as(new String[] {"_pos", "_text"}));
        for (String list : traceToList.values()) {
            withPos.add(col(list));
        }
        Dataset<Row> exploded = joined.select(withPos.toArray(Column[]::new));
        Column at = col("_pos").plus(1);
        Map<String, Column> fixed = Map.of(
                TracesTable.SAMPLE_IDX, col("_pos"),
                TracesTable.TEACHER, lit(in.variant().teacher),
                TracesTable.TEXT, col("_text"),
                TracesTable.GENERATION_CONFIG, lit(generationConfig));
        return exploded.select(TracesTable.columns(name -> fixed.containsKey(name)
                ? fixed.get(name)
                : fromProblem.contains(name)
                        ? col(name)
                        : traceToList.containsKey(name) ? try_element_at(col(traceToList.get(name)), at) : lit(null)));
    }

    private static void requireColumn(
            GenerateConfig.OpenR1 c, Variant v, StructType schema, String path, String type, boolean required) {
        DataType found = find(schema, path);
        String what = v == Variant.RAW ? "OpenR1-Math-Raw" : "OpenR1-Math-220k";
        if (found == null) {
            if (required) {
                throw new IllegalArgumentException("teacher.openr1.path: " + c.path() + " is not " + what
                        + " as published: column `" + path + "` (" + type + ") is missing");
            }
            return;
        }
        if (!found.simpleString().equals(type)) {
            throw new IllegalArgumentException("teacher.openr1.path: " + c.path() + " is not " + what
                    + " as published: column `" + path + "` is " + found.simpleString() + ", expected " + type);
        }
    }

    /** The type of a top-level column or a {@code struct.field} path, or null. */
    static DataType find(StructType schema, String path) {
        DataType t = schema;
        for (String part : path.split("\\.")) {
            if (!(t instanceof StructType s) || !List.of(s.fieldNames()).contains(part)) {
                return null;
            }
            t = s.apply(part).dataType();
        }
        return t;
    }
}
