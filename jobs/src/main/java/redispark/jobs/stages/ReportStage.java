package redispark.jobs.stages;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import redispark.jobs.eval.EvalSummary;
import redispark.jobs.report.AccuracySection;
import redispark.jobs.report.DataSection;
import redispark.jobs.report.ReportPages;
import redispark.jobs.report.TrainingSection;

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
        return List.of(
                EvalSummary.SUMMARY, EvalSummary.GENERATIONS, "metrics/sft", "metrics/redi", "positives", "negatives");
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
            TrainingSection.appendCollapseSummary(context.run().manifest(), body);
            AccuracySection.appendAccuracy(context.spark(), context.run(), dir, body);
            for (String stage : List.of("sft", "redi")) {
                TrainingSection.appendTraining(context.spark(), context.run(), stage, dir, body);
            }
            DataSection.appendCuration(context.run().manifest(), dir, body);
            DataSection.appendLengths(context.spark(), context.run(), dir, body);
            DataSection.appendManifest(context.run().manifest(), body);
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
}
