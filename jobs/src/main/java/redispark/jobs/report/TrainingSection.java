package redispark.jobs.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.knowm.xchart.XYChart;
import redispark.jobs.run.RunDir;
import redispark.jobs.train.TrainingRun;
import redispark.run.RunManifest;
import redispark.train.CollapseAlarm;

/** The report's training sections: loss, log-prob, margin and norm curves per stage, and the collapse alarm. */
public final class TrainingSection {
    private TrainingSection() {}

    /** A line on the collapse alarm of the run's REDI stage: its events, or that it stayed quiet. */
    public static void appendCollapseSummary(RunManifest manifest, StringBuilder body) {
        if (!manifest.stages().containsKey("train-redi")) {
            return;
        }
        List<CollapseAlarm.Event> events = TrainingRun.collapseEvents(manifest, "redi");
        body.append("<p class=\"collapse-summary\"><b>Collapse alarm (REDI):</b> ");
        if (events.isEmpty()) {
            body.append("no event — the chosen per-token log-prob stayed within the alarm's threshold of where the "
                    + "stage started.");
        }
        events.forEach(e -> body.append(ReportPages.escape(e.describe())).append(". "));
        body.append("</p>\n");
    }

    public static void appendTraining(SparkSession spark, RunDir run, String stage, Path dir, StringBuilder body)
            throws IOException {
        String table = "metrics/" + stage;
        if (!run.exists(table)) {
            return;
        }
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (Row r :
                run.readTable(spark, table, "train-" + stage).orderBy("step").collectAsList()) {
            series.computeIfAbsent(r.getString(1), k -> new ArrayList<>())
                    .add(new double[] {r.getInt(0), r.getDouble(2)});
        }
        body.append("<h2>Training: ").append(stage.toUpperCase()).append("</h2>\n");
        ReportPages.image(steps(stage.toUpperCase() + " loss", series, List.of("loss")), dir, stage + "-loss", body);
        if (series.containsKey("logps_norm/rejected")) {
            XYChart logps =
                    steps("REDI per-token log-probs", series, List.of("logps_norm/chosen", "logps_norm/rejected"));
            markCollapse(logps, series, TrainingRun.collapseEvents(run.manifest(), stage));
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
}
