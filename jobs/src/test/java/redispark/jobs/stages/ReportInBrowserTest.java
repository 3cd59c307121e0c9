package redispark.jobs.stages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run report opens in a real headless Chromium: every plot decodes, the checkpoint-accuracy curve among them, and
 * every model has its answers table (problem, answer, extracted, verdict) with the model's text escaped. CI installs Debian's chromium
 * ({@code .ci/run}); elsewhere the test is skipped when no browser is installed.
 */
class ReportInBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @Test
    void everyPlotOfTheReportLoadsInHeadlessChromium(@TempDir Path profile) throws Exception {
        boolean ci = System.getenv("CI") != null;
        assumeTrue(ci || Files.isExecutable(CHROMIUM), "chromium not installed (apt-get install chromium); skipped");
        Path report = SmallRun.dir().resolve("report/index.html");
        assertThat(CHROMIUM).as("chromium must be installed by .ci/run").isExecutable();
        Process browser = new ProcessBuilder(List.of(
                        CHROMIUM.toString(),
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-quic",
                        "--no-first-run",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--user-data-dir=" + profile,
                        "--virtual-time-budget=10000",
                        "--dump-dom",
                        report.toUri().toString()))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String dom = new String(browser.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(browser.waitFor(120, TimeUnit.SECONDS))
                .as("chromium finished")
                .isTrue();
        Matcher loaded = Pattern.compile("data-images-loaded=\"(\\d+)\"").matcher(dom);
        Matcher total = Pattern.compile("data-images-total=\"(\\d+)\"").matcher(dom);
        assertThat(loaded.find())
                .as("the report's load handler ran: " + dom.substring(0, Math.min(300, dom.length())))
                .isTrue();
        assertThat(total.find()).isTrue();
        assertThat(Integer.parseInt(total.group(1))).isGreaterThanOrEqualTo(9);
        assertThat(loaded.group(1)).isEqualTo(total.group(1));
        assertThat(dom)
                .as("the checkpoint-accuracy curve decoded")
                .containsPattern("<img src=\"checkpoint-accuracy.png\"[^>]*data-loaded=\"1\"");
        // the curve's table has a row for a model saved part-way (eval.every=4 in the small run)
        assertThat(dom).containsPattern("<tr><td>sft \\(synthetic\\)</td><td>4</td>");
        for (String model : List.of("base", "sft", "redi")) {
            Matcher answers = Pattern.compile(
                            "<table class=\"answers\" data-model=\"" + model + "\">(.*?)</table>", Pattern.DOTALL)
                    .matcher(dom);
            assertThat(answers.find()).as("answers table of " + model).isTrue();
            String table = answers.group(1);
            assertThat(table)
                    .contains("<th>problem</th>", "<th>model answer</th>", "<th>extracted</th>", "<th>verdict</th>");
            assertThat(Pattern.compile("<tr><td>").matcher(table).results().count())
                    .as("rows of " + model)
                    .isBetween(1L, 6L);
            assertThat(table).containsPattern("<td>(correct|wrong \\([a-z_]+\\))</td></tr>");
        }
        // model text is shown, never parsed: a <think> the model wrote stays text, not an element
        assertThat(dom).doesNotContain("<think>", "</think>");
        assertThat(dom).contains("<table class=\"settings\">").doesNotContain("Settings: <code>{");
    }
}
