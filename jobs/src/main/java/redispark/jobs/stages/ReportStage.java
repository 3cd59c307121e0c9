package redispark.jobs.stages;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import redispark.run.RunManifest;
import redispark.train.CollapseAlarm;

/**
 * {@code report/}: {@code index.html} with PNG plots (training curves, norms, length histograms, accuracy per
 * model) and the tables behind them. Self-contained: no script, no CDN, opens offline.
 */
public final class ReportStage implements Stage {
    /** Held-out problems shown in the answers table of each model. */
    private static final int ANSWERS_SHOWN = 6;
    /** Characters of a model's answer shown before it is cut. */
    private static final int ANSWER_CHARS = 400;

    @Override
    public String name() {
        return "report";
    }

    @Override
    public List<String> configPaths() {
        return List.of();
    }

    @Override
    public List<String> inputs() {
        return List.of(
                EvalStage.SUMMARY, EvalStage.GENERATIONS, "metrics/sft", "metrics/redi", "positives", "negatives");
    }

    @Override
    public List<String> outputs() {
        return List.of("report/index.html");
    }

    @Override
    public StageOutcome run(StageContext context) {
        try {
            Path dir = Files.createTempDirectory("redi-report").resolve("report");
            Files.createDirectories(dir);
            StringBuilder body = new StringBuilder();
            body.append("<h1>redi-spark run report</h1>\n<p>Run directory: <code>")
                    .append(ReportPages.escape(context.run().root()))
                    .append("</code></p>\n");
            appendCollapseSummary(context.run().manifest(), body);
            appendAccuracy(context, dir, body);
            for (String stage : List.of("sft", "redi")) {
                appendTraining(context, stage, dir, body);
            }
            appendCuration(context.run().manifest(), dir, body);
            appendLengths(context, dir, body);
            appendManifest(context.run().manifest(), body);
            Files.writeString(dir.resolve("index.html"), ReportPages.page("redi-spark report", body.toString()));
            int files;
            try (var listing = Files.list(dir)) {
                files = (int) listing.count();
            }
            context.run().files().publishDirectory(dir, context.run().path("report"));
            return StageOutcome.of(Map.of("report_files", (long) files), Map.of());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report", e);
        }
    }

    private static void appendAccuracy(StageContext context, Path dir, StringBuilder body) throws IOException {
        if (!context.run().exists(EvalStage.SUMMARY)) {
            return;
        }
        JsonNode summary = Json.MAPPER.readTree(
                context.run().files().readText(context.run().path(EvalStage.SUMMARY)));
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
        appendCurve(context.run().manifest(), summary, dir, body);
        body.append("<h3>Evaluation settings</h3>\n");
        appendSettings(summary.get("settings"), body);
        List<String> order = new ArrayList<>();
        summary.get("models").fieldNames().forEachRemaining(order::add);
        appendAnswers(context, order, body);
    }

    /**
     * Accuracy through training: each model's pass@1 at the steps its run saved ({@code eval.every}) and at its end,
     * on one step axis — SFT from the base student, every stage-2 model from where SFT ended.
     */
    private static void appendCurve(RunManifest manifest, JsonNode summary, Path dir, StringBuilder body)
            throws IOException {
        JsonNode models = summary.get("models");
        JsonNode curve = summary.path(EvalStage.CHECKPOINTS);
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (Iterator<String> benchmarks = models.elements().next().fieldNames(); benchmarks.hasNext(); ) {
            String benchmark = benchmarks.next();
            int sftSteps = TrainStage.modelStep(manifest, "sft");
            for (Iterator<String> names = models.fieldNames(); names.hasNext(); ) {
                String model = names.next();
                int steps = TrainStage.modelStep(manifest, model);
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
    private static void appendAnswers(StageContext context, List<String> models, StringBuilder body) {
        if (!context.run().exists(EvalStage.GENERATIONS)) {
            return;
        }
        Dataset<Row> generations = context.run()
                .readTable(context.spark(), EvalStage.GENERATIONS, "eval")
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
        if (context.run().exists("problems")) {
            context.run()
                    .readTable(context.spark(), "problems", "generate")
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

    /** A line on the collapse alarm of the run's REDI stage: its events, or that it stayed quiet. */
    private static void appendCollapseSummary(RunManifest manifest, StringBuilder body) {
        if (!manifest.stages().containsKey("train-redi")) {
            return;
        }
        List<CollapseAlarm.Event> events = TrainStage.collapseEvents(manifest, "redi");
        body.append("<p class=\"collapse-summary\"><b>Collapse alarm (REDI):</b> ");
        if (events.isEmpty()) {
            body.append("no event — the chosen per-token log-prob stayed within the alarm's threshold of where the "
                    + "stage started.");
        }
        events.forEach(e -> body.append(ReportPages.escape(e.describe())).append(". "));
        body.append("</p>\n");
    }

    private static void appendTraining(StageContext context, String stage, Path dir, StringBuilder body)
            throws IOException {
        String table = "metrics/" + stage;
        if (!context.run().exists(table)) {
            return;
        }
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (Row r : context.run()
                .readTable(context.spark(), table, "train-" + stage)
                .orderBy("step")
                .collectAsList()) {
            series.computeIfAbsent(r.getString(1), k -> new ArrayList<>())
                    .add(new double[] {r.getInt(0), r.getDouble(2)});
        }
        body.append("<h2>Training: ").append(stage.toUpperCase()).append("</h2>\n");
        ReportPages.image(steps(stage.toUpperCase() + " loss", series, List.of("loss")), dir, stage + "-loss", body);
        if (series.containsKey("logps_norm/rejected")) {
            XYChart logps =
                    steps("REDI per-token log-probs", series, List.of("logps_norm/chosen", "logps_norm/rejected"));
            markCollapse(logps, series, TrainStage.collapseEvents(context.run().manifest(), stage));
            ReportPages.image(logps, dir, stage + "-logps", body);
            ReportPages.image(
                    steps("REDI reward margin", series, List.of("rewards/margins")), dir, stage + "-margins", body);
        }
        ReportPages.image(
                steps(stage.toUpperCase() + " gradient and update norms", series, List.of("grad_norm", "update_norm")),
                dir,
                stage + "-norms",
                body);
    }

    /** Shades the steps of each collapse event from the lowest plotted log-prob up to 0. */
    private static void markCollapse(
            XYChart chart, Map<String, List<double[]>> series, List<CollapseAlarm.Event> events) {
        double lowest = series.get("logps_norm/rejected").stream()
                .mapToDouble(p -> p[1])
                .min()
                .orElse(-1);
        lowest = Math.min(
                lowest,
                series.get("logps_norm/chosen").stream()
                        .mapToDouble(p -> p[1])
                        .min()
                        .orElse(-1));
        int n = 0;
        for (CollapseAlarm.Event e : events) {
            var band = chart.addSeries(
                    n++ == 0 ? "collapse alarm" : "collapse alarm " + n,
                    new double[] {e.fromStep(), e.toStep()},
                    new double[] {lowest, lowest});
            band.setXYSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Area);
            band.setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
            band.setFillColor(new java.awt.Color(220, 40, 40, 60));
            band.setLineColor(new java.awt.Color(220, 40, 40));
            band.setShowInLegend(n == 1);
        }
    }

    private static XYChart steps(String title, Map<String, List<double[]>> series, List<String> names) {
        return ReportPages.lines(title, "step", series, names, false);
    }

    /** The split's curation figures from the manifest: problems kept and removed, pass rate per source. */
    private static void appendCuration(RunManifest manifest, Path dir, StringBuilder body) throws IOException {
        RunManifest.StageRecord split = manifest.stages().get("split");
        if (split == null || split.stats() == null) {
            return;
        }
        JsonNode stats = Json.MAPPER.valueToTree(split.stats());
        body.append("<h2>Curation</h2>\n<table>\n");
        for (String key :
                List.of("problems", "problems_with_positive", "problems_with_negative", "problems_with_both")) {
            body.append(String.format(
                    "<tr><th>%s</th><td>%s</td></tr>%n",
                    ReportPages.escape(key.replace('_', ' ')),
                    ReportPages.escape(stats.path(key).asText())));
        }
        for (String key : List.of("problems_removed", "contaminated_per_benchmark")) {
            stats.path(key)
                    .fields()
                    .forEachRemaining(e -> body.append(String.format(
                            "<tr><th>%s: %s</th><td>%s</td></tr>%n",
                            ReportPages.escape(key.replace('_', ' ')),
                            ReportPages.escape(e.getKey()),
                            ReportPages.escape(e.getValue().asText()))));
        }
        body.append("</table>\n");
        if (split.notes() != null) {
            for (String note : split.notes()) {
                body.append("<p><b>Note:</b> ").append(ReportPages.escape(note)).append("</p>\n");
            }
        }
        List<String> groups = new ArrayList<>();
        List<Double> rates = new ArrayList<>();
        body.append("<table><tr><th>source</th><th>difficulty</th><th>traces</th><th>correct</th>")
                .append("<th>pass rate</th></tr>\n");
        for (JsonNode r : stats.path("pass_rate")) {
            body.append(String.format(
                    "<tr><td>%s</td><td>%d</td><td>%d</td><td>%d</td><td>%.3f</td></tr>%n",
                    ReportPages.escape(r.get("source").asText()),
                    r.get("difficulty").asInt(),
                    r.get("traces").asLong(),
                    r.get("correct").asLong(),
                    r.get("pass_rate").asDouble()));
            groups.add(r.get("source").asText() + " d" + r.get("difficulty").asInt());
            rates.add(r.get("pass_rate").asDouble());
        }
        body.append("</table>\n");
        if (!groups.isEmpty()) {
            CategoryChart chart = new CategoryChartBuilder()
                    .width(800)
                    .height(360)
                    .title("Teacher pass rate per source and difficulty")
                    .xAxisTitle("source, difficulty")
                    .yAxisTitle("verified correct / traces")
                    .build();
            chart.getStyler().setLegendVisible(false);
            chart.getStyler().setXAxisLabelRotation(45);
            chart.addSeries("pass rate", groups, rates);
            ReportPages.image(chart, dir, "pass-rate", body);
        }
    }

    private static void appendLengths(StageContext context, Path dir, StringBuilder body) throws IOException {
        if (!context.run().exists("positives") || !context.run().exists("negatives")) {
            return;
        }
        int bins = 20;
        List<Double> pos = lengths(context, "positives");
        List<Double> neg = lengths(context, "negatives");
        if (pos.isEmpty() && neg.isEmpty()) {
            return;
        }
        double max = Math.max(
                pos.stream().mapToDouble(d -> d).max().orElse(1),
                neg.stream().mapToDouble(d -> d).max().orElse(1));
        double width = Math.max(1, Math.ceil(max / bins));
        List<String> labels = new ArrayList<>();
        for (int b = 0; b < bins; b++) {
            labels.add(String.valueOf((int) (b * width)));
        }
        CategoryChart chart = new CategoryChartBuilder()
                .width(800)
                .height(360)
                .title("Completion length (tokens): positives vs negatives")
                .xAxisTitle("tokens ≥")
                .yAxisTitle("traces")
                .build();
        chart.getStyler().setOverlapped(true);
        chart.getStyler().setXAxisLabelRotation(45);
        chart.addSeries("positives", labels, histogram(pos, bins, width));
        chart.addSeries("negatives", labels, histogram(neg, bins, width));
        body.append("<h2>Data</h2>\n");
        ReportPages.image(chart, dir, "lengths", body);
    }

    private static List<Double> lengths(StageContext context, String table) {
        List<Double> out = new ArrayList<>();
        for (Row r : context.run()
                .readTable(context.spark(), table, "split")
                .select(col("completion_tokens"))
                .collectAsList()) {
            out.add((double) r.getInt(0));
        }
        return out;
    }

    private static List<Integer> histogram(List<Double> values, int bins, double width) {
        int[] counts = new int[bins];
        for (double v : values) {
            counts[Math.min(bins - 1, (int) (v / width))]++;
        }
        List<Integer> out = new ArrayList<>();
        for (int c : counts) {
            out.add(c);
        }
        return out;
    }

    private static void appendManifest(RunManifest manifest, StringBuilder body) {
        body.append("<h2>Stages</h2>\n<table><tr><th>stage</th><th>status</th><th>seconds</th><th>rows</th>")
                .append("<th>rejects</th></tr>\n");
        manifest.stages()
                .forEach((name, r) -> body.append(String.format(
                        "<tr><td>%s</td><td>%s</td><td>%.1f</td><td>%s</td><td>%s</td></tr>%n",
                        ReportPages.escape(name),
                        ReportPages.escape(r.status()),
                        r.seconds(),
                        ReportPages.escape(String.valueOf(r.rows())),
                        ReportPages.escape(String.valueOf(r.rejects())))));
        body.append("</table>\n");
    }
}
