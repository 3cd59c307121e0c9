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
import redispark.jobs.report.ReportPages;
import redispark.jobs.stages.StageContext;
import redispark.jobs.table.MetricsTable;
import redispark.jobs.train.TrainingRun;
import redispark.train.CollapseAlarm;

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
            double ss =
                    values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
            return new Stat(mean, n > 1 ? Math.sqrt(ss / (n - 1) / n) : Double.NaN, n);
        }

        String text() {
            return Double.isNaN(sem) ? pct(mean) : pct(mean) + " ± " + pct(sem);
        }
    }

    /** The runs of one method at one learning-rate factor: their scores over seeds and how many set off the alarm. */
    record Cell(Stat stat, int collapsed) {
        String text() {
            return stat.text() + (collapsed > 0 ? " (alarm " + collapsed + "/" + stat.n() + ")" : "");
        }
    }

    static Summary write(
            StageContext context,
            ExperimentStage.Plan plan,
            ExperimentStage.Score start,
            Plateau plateau,
            List<ExperimentStage.Result> results) {
        String benchmark = start.perBenchmark().keySet().iterator().next();
        // method → factor → stat over seeds
        Map<Method, Map<Double, Cell>> table = new LinkedHashMap<>();
        for (Method m : plan.methods()) {
            for (double f : plan.lrFactors()) {
                List<ExperimentStage.Result> cell = results.stream()
                        .filter(r -> r.arm().method() == m && r.arm().lrFactor() == f)
                        .toList();
                table.computeIfAbsent(m, k -> new LinkedHashMap<>())
                        .put(
                                f,
                                new Cell(
                                        Stat.of(cell.stream()
                                                .map(r ->
                                                        r.score().perBenchmark().get(benchmark)[0])
                                                .toList()),
                                        (int) cell.stream()
                                                .filter(r -> !r.collapses().isEmpty())
                                                .count()));
            }
        }
        double startScore = start.perBenchmark().get(benchmark)[0];
        String markdown = markdown(plan, startScore, table, benchmark) + "\n" + plateau.describe() + "\n\n"
                + bestTable(context, plan, startScore, table) + "\n" + findings(plan, table);
        try {
            Path dir = Files.createTempDirectory("redi-experiment").resolve("report");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("results.md"), markdown);
            Files.writeString(
                    dir.resolve("results.json"),
                    JSON.writeValueAsString(json(plan, start, plateau, table, results, benchmark)));
            StringBuilder body =
                    new StringBuilder("<h1>redi-spark experiment: stage-2 methods from one SFT model</h1>\n");
            body.append("<p>Run directory: <code>")
                    .append(ReportPages.escape(context.run().root()))
                    .append("</code>. pass@1 on <b>")
                    .append(ReportPages.escape(benchmark))
                    .append("</b>, mean ± SEM over seeds ")
                    .append(plan.seeds())
                    .append(".</p>\n");
            for (String block : markdown.split("\n\n")) {
                body.append(
                        block.startsWith("|")
                                ? html(block)
                                : "<p>" + ReportPages.escape(block).replace("\n", "<br>") + "</p>\n");
            }
            plateauChart(start, plateau, benchmark, dir, body);
            accuracyChart(plan, table, start.perBenchmark().get(benchmark)[0], dir, body);
            for (double f : plan.lrFactors()) {
                dynamics(
                        context,
                        plan,
                        results,
                        f,
                        benchmark,
                        start.perBenchmark().get(benchmark)[0],
                        dir,
                        body);
            }
            Files.writeString(dir.resolve("index.html"), ReportPages.page("redi-spark experiment", body.toString()));
            context.run().files().publishDirectory(dir, context.run().path(DIR));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the experiment report", e);
        }
        return new Summary(benchmark, markdown);
    }

    private static String markdown(
            ExperimentStage.Plan plan, double start, Map<Method, Map<Double, Cell>> table, String benchmark) {
        StringBuilder md = new StringBuilder("| method |");
        plan.lrFactors()
                .forEach(f -> md.append(" LR ×").append(Arm.factorLabel(f)).append(" |"));
        md.append(" best LR | Δ vs SFT start |\n|---|");
        plan.lrFactors().forEach(f -> md.append("---|"));
        md.append("---|---|\n");
        md.append(String.format(Locale.ROOT, "| SFT start (%s) |", benchmark));
        plan.lrFactors().forEach(f -> md.append(" ").append(pct(start)).append(" |"));
        md.append(" – | – |\n");
        table.forEach((method, byFactor) -> {
            md.append("| ").append(method.label()).append(" |");
            byFactor.values().forEach(c -> md.append(" ").append(c.text()).append(" |"));
            Map.Entry<Double, Cell> best = best(byFactor);
            md.append(" ×")
                    .append(Arm.factorLabel(best.getKey()))
                    .append(" | ")
                    .append(String.format(
                            Locale.ROOT, "%+.1f", 100 * (best.getValue().stat().mean() - start)))
                    .append(" |\n");
        });
        return md.toString();
    }

    /** The factor with the most seeds (the one the later seeds ran at), then the highest mean. */
    private static Map.Entry<Double, Cell> best(Map<Double, Cell> byFactor) {
        return byFactor.entrySet().stream()
                .max(java.util.Comparator.<Map.Entry<Double, Cell>>comparingInt(
                                e -> e.getValue().stat().n())
                        .thenComparingDouble(e -> e.getValue().stat().mean()))
                .orElseThrow();
    }

    /** Every method at its own best learning rate: the comparison the experiment is for. */
    private static String bestTable(
            StageContext context, ExperimentStage.Plan plan, double start, Map<Method, Map<Double, Cell>> table) {
        StringBuilder md = new StringBuilder("| method at its best LR | LR | seeds | pass@1 | Δ vs SFT start "
                + "| Δ vs sft-continued |\n|---|---|---|---|---|---|\n");
        Map.Entry<Double, Cell> continued =
                table.containsKey(Method.SFT_CONTINUED) ? best(table.get(Method.SFT_CONTINUED)) : null;
        table.forEach((method, byFactor) -> {
            Map.Entry<Double, Cell> best = best(byFactor);
            Stat s = best.getValue().stat();
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | ×%s = %.2g | %d | %s | %+.1f | %s |%n",
                    method.label(),
                    Arm.factorLabel(best.getKey()),
                    method.learningRate(context.config(), best.getKey()),
                    s.n(),
                    best.getValue().text(),
                    100 * (s.mean() - start),
                    continued == null || method == Method.SFT_CONTINUED
                            ? "–"
                            : difference(s, continued.getValue().stat())));
        });
        return md.toString();
    }

    /** {@code a − b} in points with the standard error of the difference, and whether it is beyond 2 of them. */
    private static String difference(Stat a, Stat b) {
        double d = 100 * (a.mean() - b.mean());
        double se = 100 * Math.sqrt(sq(a.sem()) + sq(b.sem()));
        if (Double.isNaN(se)) {
            return String.format(Locale.ROOT, "%+.1f (one seed: no error)", d);
        }
        return String.format(
                Locale.ROOT, "%+.1f ± %.1f (%s)", d, se, Math.abs(d) > 2 * se ? "beyond 2 SE" : "within the noise");
    }

    private static double sq(double x) {
        return x * x;
    }

    /** Plain sentences: REDI against continued SFT, and symmetric REDI (α = 1) against α = 0.8 per learning rate. */
    private static String findings(ExperimentStage.Plan plan, Map<Method, Map<Double, Cell>> table) {
        StringBuilder out = new StringBuilder();
        if (table.containsKey(Method.REDI) && table.containsKey(Method.SFT_CONTINUED)) {
            Stat redi = best(table.get(Method.REDI)).getValue().stat();
            Stat sft = best(table.get(Method.SFT_CONTINUED)).getValue().stat();
            String d = difference(redi, sft);
            out.append("REDI vs continued SFT, each at its best LR: ")
                    .append(d)
                    .append(
                            d.contains("beyond")
                                    ? (redi.mean() > sft.mean()
                                            ? " — REDI is ahead beyond the noise."
                                            : " — REDI is behind.")
                                    : " — no difference beyond the noise.")
                    .append("\n");
        }
        if (table.containsKey(Method.REDI) && table.containsKey(Method.REDI_SYMMETRIC)) {
            for (double f : plan.lrFactors()) {
                Cell sym = table.get(Method.REDI_SYMMETRIC).get(f);
                Cell redi = table.get(Method.REDI).get(f);
                out.append(String.format(
                        Locale.ROOT,
                        "LR ×%s: α = 1 %s, alarm on %d/%d runs; α = 0.8 %s, alarm on " + "%d/%d runs.%n",
                        Arm.factorLabel(f),
                        sym.stat().text(),
                        sym.collapsed(),
                        sym.stat().n(),
                        redi.stat().text(),
                        redi.collapsed(),
                        redi.stat().n()));
            }
        }
        return out.toString();
    }

    private static Map<String, Object> json(
            ExperimentStage.Plan plan,
            ExperimentStage.Score start,
            Plateau plateau,
            Map<Method, Map<Double, Cell>> table,
            List<ExperimentStage.Result> results,
            String benchmark) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("benchmark", benchmark);
        out.put("seeds", plan.seeds());
        out.put("lr_factors", plan.lrFactors());
        out.put("seeds_at", plan.seedsAtBest() ? "best-lr" : "every-lr");
        out.put("sft_start", start.perBenchmark());
        out.put("sft_checkpoints", start.checkpoints());
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("from_step", plateau.fromStep());
        p.put("steps", plateau.steps());
        p.put("points", plateau.points());
        p.put("rise_points", Double.isNaN(plateau.rise()) ? null : plateau.rise());
        p.put("max_rise_points", plateau.maxRise());
        p.put("plateaued", plateau.flat());
        out.put("plateau", p);
        Map<String, Object> methods = new LinkedHashMap<>();
        table.forEach((method, byFactor) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            byFactor.forEach((f, c) -> m.put(
                    "lr_x" + Arm.factorLabel(f),
                    Map.of(
                            "mean",
                            c.stat().mean(),
                            "sem",
                            Double.isNaN(c.stat().sem()) ? "n/a" : c.stat().sem(),
                            "seeds",
                            c.stat().n(),
                            "collapsed_runs",
                            c.collapsed())));
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
            run.put("checkpoints", r.score().checkpoints());
            run.put(
                    "collapse_events",
                    r.collapses().stream().map(CollapseAlarm.Event::toMap).toList());
            runs.add(run);
        }
        out.put("runs", runs);
        return out;
    }

    /** SFT's held-out accuracy at its checkpoints, with the last third's fitted line (the plateau check). */
    private static void plateauChart(
            ExperimentStage.Score start, Plateau plateau, String benchmark, Path dir, StringBuilder body)
            throws IOException {
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        List<double[]> sft = new ArrayList<>();
        start.checkpoints().forEach((step, scores) -> sft.add(new double[] {step, scores.get(benchmark)[0]}));
        sft.add(new double[] {plateau.steps(), start.first()});
        series.put("SFT pass@1", sft);
        if (!Double.isNaN(plateau.rise())) {
            series.put(
                    "fit over the last third",
                    List.of(
                            new double[] {plateau.fromStep(), plateau.fittedAt(plateau.fromStep())},
                            new double[] {plateau.steps(), plateau.fittedAt(plateau.steps())}));
        }
        ReportPages.image(
                ReportPages.lines("SFT start: pass@1 at checkpoints (" + benchmark + ")", "SFT step", series, true),
                dir,
                "sft-plateau",
                body);
    }

    private static void accuracyChart(
            ExperimentStage.Plan plan, Map<Method, Map<Double, Cell>> table, double start, Path dir, StringBuilder body)
            throws IOException {
        CategoryChart chart = new CategoryChartBuilder()
                .width(800)
                .height(400)
                .title(String.format(Locale.ROOT, "pass@1 by method and learning rate (SFT start %s)", pct(start)))
                .xAxisTitle("method")
                .yAxisTitle("pass@1")
                .build();
        List<String> names = plan.methods().stream().map(Method::label).toList();
        for (double f : plan.lrFactors()) {
            List<Double> means = new ArrayList<>();
            List<Double> errors = new ArrayList<>();
            for (Method m : plan.methods()) {
                Stat s = table.get(m).get(f).stat();
                means.add(s.mean());
                errors.add(Double.isNaN(s.sem()) ? 0.0 : s.sem());
            }
            chart.addSeries("LR ×" + Arm.factorLabel(f), names, means, errors);
        }
        ReportPages.image(chart, dir, "accuracy", body);
    }

    /** For one learning rate and the first seed: accuracy over steps, chosen/rejected log-probs, update norm. */
    private static void dynamics(
            StageContext context,
            ExperimentStage.Plan plan,
            List<ExperimentStage.Result> results,
            double factor,
            String benchmark,
            double start,
            Path dir,
            StringBuilder body)
            throws IOException {
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
            java.util.TreeMap<Integer, Double> byStep = new java.util.TreeMap<>();
            r.curve()
                    .forEach((step, score) ->
                            byStep.put(step, score.perBenchmark().get(benchmark)[0]));
            r.score().checkpoints().forEach((step, scores) -> byStep.put(step, scores.get(benchmark)[0]));
            byStep.forEach((step, acc) -> points.add(new double[] {step, acc}));
            points.add(new double[] {r.steps(), r.score().perBenchmark().get(benchmark)[0]});
            accuracy.put(label, points);
            String metrics = TrainingRun.metricsOf(r.arm().name());
            for (Row row : context.run()
                    .readTable(context.spark(), metrics, "experiment")
                    .orderBy(MetricsTable.STEP)
                    .collectAsList()) {
                double[] point = {row.<Integer>getAs(MetricsTable.STEP), row.<Double>getAs(MetricsTable.VALUE)};
                switch (row.<String>getAs(MetricsTable.METRIC)) {
                    case "logps_norm/chosen" ->
                        logps.computeIfAbsent(label + " chosen", k -> new ArrayList<>())
                                .add(point);
                    case "logps_norm/rejected" ->
                        logps.computeIfAbsent(label + " rejected", k -> new ArrayList<>())
                                .add(point);
                    case "update_norm" ->
                        update.computeIfAbsent(label, k -> new ArrayList<>()).add(point);
                    default -> {}
                }
            }
        }
        body.append("<h2>Learning rate ×")
                .append(Arm.factorLabel(factor))
                .append(" (seed ")
                .append(seed)
                .append(")</h2>\n");
        String lr = ", LR ×" + Arm.factorLabel(factor);
        stepChart("pass@1 over steps" + lr, accuracy, true, dir, "curve-" + tag, body);
        stepChart("per-token log-prob of chosen and rejected" + lr, logps, false, dir, "logps-" + tag, body);
        stepChart("update norm" + lr, update, false, dir, "update-" + tag, body);
    }

    /** A chart over training steps of every series, saved as {@code dir/<name>.png} and shown in {@code body}. */
    private static void stepChart(
            String title,
            Map<String, List<double[]>> series,
            boolean markers,
            Path dir,
            String name,
            StringBuilder body)
            throws IOException {
        ReportPages.image(ReportPages.lines(title, "step", series, markers), dir, name, body);
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
                out.append('<')
                        .append(cell)
                        .append('>')
                        .append(ReportPages.escape(c.trim()))
                        .append("</")
                        .append(cell)
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
