package redispark.jobs.report;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import redispark.jobs.run.Json;
import redispark.jobs.run.RunDir;
import redispark.run.RunManifest;

/** The report's data sections: curation figures, completion lengths, and the stages of the run. */
public final class DataSection {
    private DataSection() {}

    /** The split's curation figures from the manifest: problems kept and removed, pass rate per source. */
    public static void appendCuration(RunManifest manifest, Path dir, StringBuilder body) throws IOException {
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

    public static void appendLengths(SparkSession spark, RunDir run, Path dir, StringBuilder body) throws IOException {
        if (!run.exists("positives") || !run.exists("negatives")) {
            return;
        }
        int bins = 20;
        List<Double> pos = lengths(spark, run, "positives");
        List<Double> neg = lengths(spark, run, "negatives");
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

    private static List<Double> lengths(SparkSession spark, RunDir run, String table) {
        List<Double> out = new ArrayList<>();
        for (Row r : run.readTable(spark, table, "split")
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

    public static void appendManifest(RunManifest manifest, StringBuilder body) {
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
