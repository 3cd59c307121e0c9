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
import java.util.Map;
import org.apache.spark.sql.Row;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import redispark.run.RunManifest;

/**
 * {@code report/}: {@code index.html} with PNG plots (training curves, norms, length histograms, accuracy per
 * model) and the tables behind them. Self-contained: no script, no CDN, opens offline.
 */
public final class ReportStage implements Stage {

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
        return List.of(EvalStage.SUMMARY, "metrics/sft", "metrics/redi", "positives", "negatives");
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
                    .append(ReportPages.escape(context.run().root())).append("</code></p>\n");
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
        JsonNode summary = Json.MAPPER.readTree(context.run().files().readText(context.run().path(EvalStage.SUMMARY)));
        body.append("<h2>Accuracy on held-out problems</h2>\n<table><tr><th>model</th><th>benchmark</th>")
                .append("<th>pass@1</th><th>± SEM</th><th>problems × samples</th><th>mean tokens</th>")
                .append("<th>truncated</th></tr>\n");
        List<String> names = new ArrayList<>();
        List<Double> accuracy = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> models = summary.get("models").fields(); models.hasNext(); ) {
            Map.Entry<String, JsonNode> model = models.next();
            for (Iterator<Map.Entry<String, JsonNode>> b = model.getValue().fields(); b.hasNext(); ) {
                Map.Entry<String, JsonNode> bench = b.next();
                JsonNode s = bench.getValue();
                body.append(String.format("<tr><td>%s</td><td>%s</td><td>%.3f</td><td>%.3f</td><td>%d × %d</td>"
                                + "<td>%.1f</td><td>%.1f %%</td></tr>%n", ReportPages.escape(model.getKey()),
                        ReportPages.escape(bench.getKey()), s.get("pass@1").asDouble(), s.get("pass@1_sem").asDouble(),
                        s.get("problems").asInt(), s.get("samples").asInt(), s.get("mean_completion_tokens").asDouble(),
                        100 * s.get("truncation_rate").asDouble()));
                names.add(model.getKey());
                accuracy.add(s.get("pass@1").asDouble());
            }
        }
        body.append("</table>\n<p>Settings: <code>").append(ReportPages.escape(summary.get("settings").toString()))
                .append("</code></p>\n");
        CategoryChart chart = new CategoryChartBuilder().width(640).height(360).title("pass@1 on held-out problems")
                .xAxisTitle("model").yAxisTitle("pass@1").build();
        chart.getStyler().setLegendVisible(false);
        chart.addSeries("pass@1", names, accuracy);
        ReportPages.image(chart, dir, "accuracy", body);
    }

    private static void appendTraining(StageContext context, String stage, Path dir, StringBuilder body)
            throws IOException {
        String table = "metrics/" + stage;
        if (!context.run().exists(table)) {
            return;
        }
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (Row r : context.run().readTable(context.spark(), table, "train-" + stage).orderBy("step").collectAsList()) {
            series.computeIfAbsent(r.getString(1), k -> new ArrayList<>()).add(new double[] {r.getInt(0), r.getDouble(2)});
        }
        body.append("<h2>Training: ").append(stage.toUpperCase()).append("</h2>\n");
        ReportPages.image(steps(stage.toUpperCase() + " loss", series, List.of("loss")), dir, stage + "-loss", body);
        if (series.containsKey("logps_norm/rejected")) {
            ReportPages.image(steps("REDI per-token log-probs", series, List.of("logps_norm/chosen",
                    "logps_norm/rejected")), dir, stage + "-logps", body);
            ReportPages.image(steps("REDI reward margin", series, List.of("rewards/margins")), dir, stage + "-margins",
                    body);
        }
        ReportPages.image(steps(stage.toUpperCase() + " gradient and update norms", series, List.of("grad_norm",
                "update_norm")), dir, stage + "-norms", body);
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
        for (String key : List.of("problems", "problems_with_positive", "problems_with_negative",
                "problems_with_both")) {
            body.append(String.format("<tr><th>%s</th><td>%s</td></tr>%n", ReportPages.escape(key.replace('_', ' ')),
                    ReportPages.escape(stats.path(key).asText())));
        }
        for (String key : List.of("problems_removed", "contaminated_per_benchmark")) {
            stats.path(key).fields().forEachRemaining(e -> body.append(String.format(
                    "<tr><th>%s: %s</th><td>%s</td></tr>%n", ReportPages.escape(key.replace('_', ' ')),
                    ReportPages.escape(e.getKey()), ReportPages.escape(e.getValue().asText()))));
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
            body.append(String.format("<tr><td>%s</td><td>%d</td><td>%d</td><td>%d</td><td>%.3f</td></tr>%n",
                    ReportPages.escape(r.get("source").asText()), r.get("difficulty").asInt(), r.get("traces").asLong(),
                    r.get("correct").asLong(), r.get("pass_rate").asDouble()));
            groups.add(r.get("source").asText() + " d" + r.get("difficulty").asInt());
            rates.add(r.get("pass_rate").asDouble());
        }
        body.append("</table>\n");
        if (!groups.isEmpty()) {
            CategoryChart chart = new CategoryChartBuilder().width(800).height(360)
                    .title("Teacher pass rate per source and difficulty").xAxisTitle("source, difficulty")
                    .yAxisTitle("verified correct / traces").build();
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
        double max = Math.max(pos.stream().mapToDouble(d -> d).max().orElse(1), neg.stream().mapToDouble(d -> d).max()
                .orElse(1));
        double width = Math.max(1, Math.ceil(max / bins));
        List<String> labels = new ArrayList<>();
        for (int b = 0; b < bins; b++) {
            labels.add(String.valueOf((int) (b * width)));
        }
        CategoryChart chart = new CategoryChartBuilder().width(800).height(360)
                .title("Completion length (tokens): positives vs negatives").xAxisTitle("tokens ≥")
                .yAxisTitle("traces").build();
        chart.getStyler().setOverlapped(true);
        chart.getStyler().setXAxisLabelRotation(45);
        chart.addSeries("positives", labels, histogram(pos, bins, width));
        chart.addSeries("negatives", labels, histogram(neg, bins, width));
        body.append("<h2>Data</h2>\n");
        ReportPages.image(chart, dir, "lengths", body);
    }

    private static List<Double> lengths(StageContext context, String table) {
        List<Double> out = new ArrayList<>();
        for (Row r : context.run().readTable(context.spark(), table, "split").select(col("completion_tokens"))
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
        manifest.stages().forEach((name, r) -> body.append(String.format(
                "<tr><td>%s</td><td>%s</td><td>%.1f</td><td>%s</td><td>%s</td></tr>%n", ReportPages.escape(name),
                ReportPages.escape(r.status()), r.seconds(), ReportPages.escape(String.valueOf(r.rows())),
                ReportPages.escape(String.valueOf(r.rejects())))));
        body.append("</table>\n");
    }
}
