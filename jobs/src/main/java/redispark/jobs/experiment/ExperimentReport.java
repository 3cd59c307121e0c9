package redispark.jobs.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import redispark.jobs.stages.ReportPages;
import redispark.jobs.stages.StageContext;
import redispark.jobs.stages.TrainStage;

/**
 * The experiment's results: per method and learning rate, pass@1 mean ± SEM over seeds on the first benchmark of
 * {@code eval.benchmarks}; the best learning rate per method; plots of accuracy over steps and of the training
 * dynamics the paper reads collapse from (per-token log-probs of chosen and rejected, update norm).
 */
final class ExperimentReport {
    static final String DIR = ExperimentStage.DIR + "/report";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ExperimentReport() {}

    /** What the console and the README get: the benchmark the table is on and the table in Markdown. */
    record Summary(String benchmark, String markdown) {}

    /** Mean and standard error of the mean over seeds (NaN error for one seed). */
    record Stat(double mean, double sem, int n) {
        static Stat of(List<Double> values) {
            int n = values.size();
            double mean = values.stream().mapToDouble(v -> v).average().orElse(Double.NaN);
            double ss = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
            return new Stat(mean, n > 1 ? Math.sqrt(ss / (n - 1) / n) : Double.NaN, n);
        }

        String text() {
            return Double.isNaN(sem) ? pct(mean) : pct(mean) + " ± " + pct(sem);
        }
    }

    static Summary write(StageContext context, ExperimentStage.Plan plan, ExperimentStage.Score start,
            List<ExperimentStage.Result> results) {
        String benchmark = start.perBenchmark().keySet().iterator().next();
        // method → factor → stat over seeds
        Map<Method, Map<Double, Stat>> table = new LinkedHashMap<>();
        for (Method m : plan.methods()) {
            for (double f : plan.lrFactors()) {
                List<Double> values = results.stream().filter(r -> r.arm().method() == m && r.arm().lrFactor() == f)
                        .map(r -> r.score().perBenchmark().get(benchmark)[0]).toList();
                table.computeIfAbsent(m, k -> new LinkedHashMap<>()).put(f, Stat.of(values));
            }
        }
        String markdown = markdown(plan, start.perBenchmark().get(benchmark)[0], table, benchmark);
        try {
            Path dir = Files.createTempDirectory("redi-experiment").resolve("report");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("results.md"), markdown);
            Files.writeString(dir.resolve("results.json"), JSON.writeValueAsString(json(plan, start, table, results,
                    benchmark)));
            StringBuilder body = new StringBuilder("<h1>redi-spark experiment: stage-2 methods from one SFT model</h1>\n");
            body.append("<p>Run directory: <code>").append(ReportPages.escape(context.run().root()))
                    .append("</code>. pass@1 on <b>").append(ReportPages.escape(benchmark))
                    .append("</b>, mean ± SEM over seeds ").append(plan.seeds()).append(".</p>\n");
            body.append(html(markdown));
            accuracyChart(plan, table, start.perBenchmark().get(benchmark)[0], dir, body);
            for (double f : plan.lrFactors()) {
                dynamics(context, plan, results, f, benchmark, start.perBenchmark().get(benchmark)[0], dir, body);
            }
            Files.writeString(dir.resolve("index.html"), ReportPages.page("redi-spark experiment", body.toString()));
            context.run().files().publishDirectory(dir, context.run().path(DIR));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the experiment report", e);
        }
        return new Summary(benchmark, markdown);
    }

    private static String markdown(ExperimentStage.Plan plan, double start, Map<Method, Map<Double, Stat>> table,
            String benchmark) {
        StringBuilder md = new StringBuilder("| method |");
        plan.lrFactors().forEach(f -> md.append(" LR ×").append(Arm.factorLabel(f)).append(" |"));
        md.append(" best LR | Δ vs SFT start |\n|---|");
        plan.lrFactors().forEach(f -> md.append("---|"));
        md.append("---|---|\n");
        md.append(String.format(Locale.ROOT, "| SFT start (%s) |", benchmark));
        plan.lrFactors().forEach(f -> md.append(" ").append(pct(start)).append(" |"));
        md.append(" – | – |\n");
        table.forEach((method, byFactor) -> {
            md.append("| ").append(method.label()).append(" |");
            byFactor.values().forEach(s -> md.append(" ").append(s.text()).append(" |"));
            Map.Entry<Double, Stat> best = best(byFactor);
            md.append(" ×").append(Arm.factorLabel(best.getKey())).append(" | ")
                    .append(String.format(Locale.ROOT, "%+.1f", 100 * (best.getValue().mean() - start))).append(" |\n");
        });
        return md.toString();
    }

    private static Map.Entry<Double, Stat> best(Map<Double, Stat> byFactor) {
        return byFactor.entrySet().stream().max(Map.Entry.comparingByValue(
                java.util.Comparator.comparingDouble(Stat::mean))).orElseThrow();
    }

    private static Map<String, Object> json(ExperimentStage.Plan plan, ExperimentStage.Score start,
            Map<Method, Map<Double, Stat>> table, List<ExperimentStage.Result> results, String benchmark) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("benchmark", benchmark);
        out.put("seeds", plan.seeds());
        out.put("lr_factors", plan.lrFactors());
        out.put("sft_start", start.perBenchmark());
        Map<String, Object> methods = new LinkedHashMap<>();
        table.forEach((method, byFactor) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            byFactor.forEach((f, s) -> m.put("lr_x" + Arm.factorLabel(f), Map.of("mean", s.mean(),
                    "sem", Double.isNaN(s.sem()) ? "n/a" : s.sem(), "seeds", s.n())));
            m.put("best_lr_factor", best(byFactor).getKey());
            methods.put(method.label(), m);
        });
        out.put("methods", methods);
        List<Map<String, Object>> runs = new ArrayList<>();
        for (ExperimentStage.Result r : results) {
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("name", r.arm().name());
            run.put("method", r.arm().method().label());
            run.put("lr_factor", r.arm().lrFactor());
            run.put("seed", r.arm().seed());
            run.put("steps", r.steps());
            run.put("scores", r.score().perBenchmark());
            Map<String, Object> curve = new LinkedHashMap<>();
            r.curve().forEach((step, score) -> curve.put(Integer.toString(step), score.perBenchmark()));
            run.put("curve", curve);
            runs.add(run);
        }
        out.put("runs", runs);
        return out;
    }

    private static void accuracyChart(ExperimentStage.Plan plan, Map<Method, Map<Double, Stat>> table, double start,
            Path dir, StringBuilder body) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(800).height(400)
                .title(String.format(Locale.ROOT, "pass@1 by method and learning rate (SFT start %s)", pct(start)))
                .xAxisTitle("method").yAxisTitle("pass@1").build();
        List<String> names = plan.methods().stream().map(Method::label).toList();
        for (double f : plan.lrFactors()) {
            List<Double> means = new ArrayList<>();
            List<Double> errors = new ArrayList<>();
            for (Method m : plan.methods()) {
                Stat s = table.get(m).get(f);
                means.add(s.mean());
                errors.add(Double.isNaN(s.sem()) ? 0.0 : s.sem());
            }
            chart.addSeries("LR ×" + Arm.factorLabel(f), names, means, errors);
        }
        ReportPages.image(chart, dir, "accuracy", body);
    }

    /** For one learning rate and the first seed: accuracy over steps, chosen/rejected log-probs, update norm. */
    private static void dynamics(StageContext context, ExperimentStage.Plan plan, List<ExperimentStage.Result> results,
            double factor, String benchmark, double start, Path dir, StringBuilder body) throws IOException {
        long seed = plan.seeds().get(0);
        String tag = "lr" + Arm.factorLabel(factor);
        Map<String, List<double[]>> accuracy = new LinkedHashMap<>();
        Map<String, List<double[]>> logps = new LinkedHashMap<>();
        Map<String, List<double[]>> update = new LinkedHashMap<>();
        for (ExperimentStage.Result r : results) {
            if (r.arm().lrFactor() != factor || r.arm().seed() != seed) {
                continue;
            }
            String label = r.arm().method().label();
            List<double[]> points = new ArrayList<>();
            points.add(new double[] {0, start});
            r.curve().forEach((step, score) -> points.add(new double[] {step, score.perBenchmark().get(benchmark)[0]}));
            points.add(new double[] {r.steps(), r.score().perBenchmark().get(benchmark)[0]});
            accuracy.put(label, points);
            String metrics = TrainStage.metricsOf(r.arm().name());
            for (Row row : context.run().readTable(context.spark(), metrics, "experiment").orderBy("step")
                    .collectAsList()) {
                double[] point = {row.getInt(0), row.getDouble(2)};
                switch (row.getString(1)) {
                    case "logps_norm/chosen" -> logps.computeIfAbsent(label + " chosen", k -> new ArrayList<>())
                            .add(point);
                    case "logps_norm/rejected" -> logps.computeIfAbsent(label + " rejected", k -> new ArrayList<>())
                            .add(point);
                    case "update_norm" -> update.computeIfAbsent(label, k -> new ArrayList<>()).add(point);
                    default -> { }
                }
            }
        }
        body.append("<h2>Learning rate ×").append(Arm.factorLabel(factor)).append(" (seed ").append(seed)
                .append(")</h2>\n");
        ReportPages.image(ReportPages.lines("pass@1 over steps, LR ×" + Arm.factorLabel(factor), "step", accuracy,
                new ArrayList<>(accuracy.keySet()), true), dir, "curve-" + tag, body);
        ReportPages.image(ReportPages.lines("per-token log-prob of chosen and rejected, LR ×"
                + Arm.factorLabel(factor), "step", logps, new ArrayList<>(logps.keySet()), false), dir, "logps-" + tag,
                body);
        ReportPages.image(ReportPages.lines("update norm, LR ×" + Arm.factorLabel(factor), "step", update,
                new ArrayList<>(update.keySet()), false), dir, "update-" + tag, body);
    }

    /** The Markdown table as an HTML table (the same cells). */
    private static String html(String markdown) {
        StringBuilder out = new StringBuilder("<table>\n");
        String[] lines = markdown.split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (i == 1) {
                continue; // the |---| separator
            }
            String cell = i == 0 ? "th" : "td";
            out.append("<tr>");
            String[] cells = lines[i].substring(1, lines[i].length() - 1).split("\\|");
            for (String c : cells) {
                out.append('<').append(cell).append('>').append(ReportPages.escape(c.trim())).append("</").append(cell)
                        .append('>');
            }
            out.append("</tr>\n");
        }
        return out.append("</table>\n").toString();
    }

    static String pct(double fraction) {
        return String.format(Locale.ROOT, "%.1f %%", 100 * fraction);
    }
}
