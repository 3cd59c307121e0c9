package redispark.jobs.report;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import redispark.jobs.eval.EvalSummary;
import redispark.jobs.run.Json;
import redispark.jobs.run.RunDir;
import redispark.jobs.train.TrainingRun;
import redispark.run.RunManifest;

/** The report's accuracy section: scores per model and benchmark, the accuracy curve, settings, sample answers. */
public final class AccuracySection {
    /** Held-out problems shown in the answers table of each model. */
    private static final int ANSWERS_SHOWN = 6;
    /** Characters of a model's answer shown before it is cut. */
    private static final int ANSWER_CHARS = 400;

    private AccuracySection() {}

    public static void appendAccuracy(SparkSession spark, RunDir run, Path dir, StringBuilder body) throws IOException {
        if (!run.exists(EvalSummary.SUMMARY)) {
            return;
        }
        JsonNode summary = Json.MAPPER.readTree(run.files().readText(run.path(EvalSummary.SUMMARY)));
        body.append("<h2>Accuracy on held-out problems</h2>\n<table><tr><th>model</th><th>benchmark</th>")
                .append("<th>pass@1</th><th>± SEM</th><th>problems × samples</th><th>mean tokens</th>")
                .append("<th>truncated</th></tr>\n");
        List<String> names = new ArrayList<>();
        List<Double> accuracy = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> models =
                        summary.get("models").fields();
                models.hasNext(); ) {
            Map.Entry<String, JsonNode> model = models.next();
            for (Iterator<Map.Entry<String, JsonNode>> b = model.getValue().fields(); b.hasNext(); ) {
                Map.Entry<String, JsonNode> bench = b.next();
                JsonNode s = bench.getValue();
                body.append(String.format(
                        "<tr><td>%s</td><td>%s</td><td>%.3f</td><td>%.3f</td><td>%d × %d</td>"
                                + "<td>%.1f</td><td>%.1f %%</td></tr>%n",
                        ReportPages.escape(model.getKey()),
                        ReportPages.escape(bench.getKey()),
                        s.get("pass@1").asDouble(),
                        s.get("pass@1_sem").asDouble(),
                        s.get("problems").asInt(),
                        s.get("samples").asInt(),
                        s.get("mean_completion_tokens").asDouble(),
                        100 * s.get("truncation_rate").asDouble()));
                names.add(model.getKey());
                accuracy.add(s.get("pass@1").asDouble());
            }
        }
        body.append("</table>\n");
        CategoryChart chart = new CategoryChartBuilder()
                .width(640)
                .height(360)
                .title("pass@1 on held-out problems")
                .xAxisTitle("model")
                .yAxisTitle("pass@1")
                .build();
        chart.getStyler().setLegendVisible(false);
        chart.addSeries("pass@1", names, accuracy);
        ReportPages.image(chart, dir, "accuracy", body);
        appendCurve(run.manifest(), summary, dir, body);
        body.append("<h3>Evaluation settings</h3>\n");
        appendSettings(summary.get("settings"), body);
        List<String> order = new ArrayList<>();
        summary.get("models").fieldNames().forEachRemaining(order::add);
        appendAnswers(spark, run, order, body);
    }
    /**
     * Accuracy through training: each model's pass@1 at the steps its run saved ({@code eval.every}) and at its end,
     * on one step axis — SFT from the base student, every stage-2 model from where SFT ended.
     */
    private static void appendCurve(RunManifest manifest, JsonNode summary, Path dir, StringBuilder body)
            throws IOException {
        JsonNode models = summary.get("models");
        JsonNode curve = summary.path(EvalSummary.CHECKPOINTS);
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (Iterator<String> benchmarks = models.elements().next().fieldNames(); benchmarks.hasNext(); ) {
            String benchmark = benchmarks.next();
            int sftSteps = TrainingRun.modelStep(manifest, "sft");
            for (Iterator<String> names = models.fieldNames(); names.hasNext(); ) {
                String model = names.next();
                int steps = TrainingRun.modelStep(manifest, model);
                if (model.equals("base") || steps < 0) {
                    continue; // not trained in this run: no place on the step axis
                }
                // SFT starts from the base student at step 0; a stage-2 model from SFT's final model
                boolean stage1 = model.equals("sft");
                int offset = stage1 ? 0 : Math.max(sftSteps, 0);
                String from = stage1 ? "base" : "sft";
                List<double[]> points = new ArrayList<>();
                if (models.has(from)) {
                    points.add(point(offset, models.get(from).get(benchmark)));
                }
                curve.path(model)
                        .fields()
                        .forEachRemaining(e -> points.add(point(
                                offset + Integer.parseInt(e.getKey()),
                                e.getValue().get(benchmark))));
                points.add(point(offset + steps, models.get(model).get(benchmark)));
                series.put(model + " (" + benchmark + ")", points);
            }
        }
        if (series.isEmpty()) {
            return;
        }
        body.append("<h3>Accuracy at checkpoints</h3>\n<p>pass@1 ± SEM of the models saved every <code>eval.every"
                + "</code> steps of training, with the same problems and sampling; stage 2 continues the SFT step "
                + "axis.</p>\n");
        XYChart chart = new XYChartBuilder()
                .width(800)
                .height(400)
                .title("pass@1 at checkpoints through training")
                .xAxisTitle("optimizer step (SFT, then stage 2)")
                .yAxisTitle("pass@1")
                .build();
        series.forEach((name, points) -> chart.addSeries(
                name,
                points.stream().mapToDouble(p -> p[0]).toArray(),
                points.stream().mapToDouble(p -> p[1]).toArray(),
                points.stream().mapToDouble(p -> p[2]).toArray()));
        ReportPages.image(chart, dir, "checkpoint-accuracy", body);
        body.append("<table><tr><th>model</th><th>step</th><th>pass@1</th><th>± SEM</th></tr>\n");
        series.forEach((name, points) -> points.forEach(p -> body.append(String.format(
                Locale.ROOT,
                "<tr><td>%s</td><td>%d</td><td>%.3f</td><td>%.3f</td></tr>%n",
                ReportPages.escape(name),
                (int) p[0],
                p[1],
                p[2]))));
        body.append("</table>\n");
    }

    private static double[] point(int step, JsonNode score) {
        return new double[] {
            step, score.get("pass@1").asDouble(), score.get("pass@1_sem").asDouble()
        };
    }
    /** A settings object as a two-column table; nested objects become one row per entry. */
    private static void appendSettings(JsonNode settings, StringBuilder body) {
        body.append("<table class=\"settings\">\n");
        settings.fields().forEachRemaining(e -> {
            if (e.getValue().isObject()) {
                e.getValue()
                        .fields()
                        .forEachRemaining(inner -> body.append(String.format(
                                "<tr><th>%s: %s</th><td>%s</td></tr>%n",
                                ReportPages.escape(e.getKey().replace('_', ' ')),
                                ReportPages.escape(inner.getKey()),
                                ReportPages.escape(inner.getValue().asText()))));
            } else {
                body.append(String.format(
                        "<tr><th>%s</th><td>%s</td></tr>%n",
                        ReportPages.escape(e.getKey().replace('_', ' ')),
                        ReportPages.escape(e.getValue().asText())));
            }
        });
        body.append("</table>\n");
    }
    /**
     * Per model, its first sample on the first few held-out problems (the same problems for every model): the
     * problem, the answer it wrote, what the verifier extracted from it and the verdict.
     */
    private static void appendAnswers(SparkSession spark, RunDir run, List<String> models, StringBuilder body) {
        if (!run.exists(EvalSummary.GENERATIONS)) {
            return;
        }
        Dataset<Row> generations = run.readTable(spark, EvalSummary.GENERATIONS, "eval")
                .filter(col("sample_idx").equalTo(0));
        List<String> shown = generations
                .select("benchmark", "problem_id")
                .distinct()
                .orderBy("benchmark", "problem_id")
                .limit(ANSWERS_SHOWN)
                .collectAsList()
                .stream()
                .map(r -> r.getString(0) + "\t" + r.getString(1))
                .toList();
        Map<String, String> problemText = new LinkedHashMap<>();
        if (run.exists("problems")) {
            run.readTable(spark, "problems", "generate")
                    .filter(col("split").equalTo("heldout"))
                    .select("problem_id", "problem", "gold")
                    .collectAsList()
                    .forEach(r -> problemText.put(r.getString(0), r.getString(1) + "  (gold: " + r.getString(2) + ")"));
        }
        Map<String, List<Row>> byModel = new LinkedHashMap<>();
        models.forEach(m -> byModel.put(m, new ArrayList<>())); // the summary's order
        for (Row r : generations
                .select("model", "benchmark", "problem_id", "text", "extracted", "correct", "reason")
                .orderBy("benchmark", "problem_id")
                .collectAsList()) {
            if (shown.contains(r.getString(1) + "\t" + r.getString(2))) {
                byModel.computeIfAbsent(r.getString(0), k -> new ArrayList<>()).add(r);
            }
        }
        body.append("<h3>Answers</h3>\n<p>The first sample of each model on the first ")
                .append(shown.size())
                .append(" held-out problems (by id): what it wrote, what the verifier extracted, the verdict.</p>\n");
        byModel.forEach((model, rows) -> {
            if (rows.isEmpty()) {
                return;
            }
            body.append("<h4>")
                    .append(ReportPages.escape(model))
                    .append("</h4>\n<table class=\"answers\" " + "data-model=\"")
                    .append(ReportPages.escape(model))
                    .append("\"><tr><th>problem</th>"
                            + "<th>model answer</th><th>extracted</th><th>verdict</th></tr>\n");
            for (Row r : rows) {
                String problem = problemText.getOrDefault(r.getString(2), r.getString(1) + " " + r.getString(2));
                String text = r.getString(3);
                if (text.length() > ANSWER_CHARS) {
                    text = text.substring(0, ANSWER_CHARS) + " …";
                }
                body.append("<tr><td>")
                        .append(ReportPages.escape(problem))
                        .append("</td><td><pre>")
                        .append(ReportPages.escape(text))
                        .append("</pre></td><td>")
                        .append(
                                r.isNullAt(4)
                                        ? "<i>none</i>"
                                        : "<code>" + ReportPages.escape(r.getString(4)) + "</code>")
                        .append("</td><td>")
                        .append(r.getBoolean(5) ? "correct" : "wrong (" + ReportPages.escape(r.getString(6)) + ")")
                        .append("</td></tr>\n");
            }
            body.append("</table>\n");
        });
    }
}
