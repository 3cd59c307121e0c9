package redispark.jobs.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.eval.ModelHash;
import redispark.jobs.cli.RediCli;

/**
 * {@code redi experiment --preset minimal} end to end on a very small run: every method trains from the same SFT
 * model and is evaluated, part-way points reproduce the full run's first steps, the report has its table and plots,
 * and a rerun does no work.
 */
class ExperimentTest {
    @TempDir
    static Path runDir;

    static final ObjectMapper JSON = new ObjectMapper();
    static JsonNode results;

    static String[] args() {
        List<String> args =
                new ArrayList<>(List.of("experiment", "--run-dir", runDir.toString(), "--preset", "minimal"));
        for (String set : List.of(
                "problems.count=24",
                "problems.heldout-count=4",
                "teacher.samples=3",
                "train.sft.epochs=1",
                "train.sft.batch-size=8",
                "train.sft.micro-batch-size=8",
                "train.redi.batch-size=4",
                "train.redi.micro-batch-size=4",
                "train.dpo.batch-size=4",
                "train.dpo.micro-batch-size=4",
                "train.simpo.batch-size=4",
                "train.simpo.micro-batch-size=4",
                "train.progress=false",
                "eval.max-new-tokens=48")) {
            args.add("--set");
            args.add(set);
        }
        return args.toArray(String[]::new);
    }

    @BeforeAll
    static void runExperiment() throws Exception {
        assertThat(RediCli.execute(args())).as("experiment exit code").isZero();
        results = JSON.readTree(runDir.resolve("experiment/report/results.json").toFile());
    }

    @Test
    void everyMethodTrainsFromTheSameSftModelAndIsScored() throws Exception {
        assertThat(results.get("methods").size()).isEqualTo(Method.values().length);
        assertThat(results.get("runs").size()).isEqualTo(Method.values().length);
        List<String> hashes = new ArrayList<>();
        for (JsonNode run : results.get("runs")) {
            assertThat(run.get("steps").asLong()).as(run.get("name").asText()).isPositive();
            double pass1 = run.get("scores").get("synthetic").get(0).asDouble();
            assertThat(pass1).isBetween(0.0, 1.0);
            Path model = runDir.resolve("checkpoints").resolve(run.get("name").asText());
            assertThat(model.resolve("config.json")).exists();
            hashes.add(ModelHash.of(model));
        }
        // α = 0, 1, 0.8, DPO and SimPO are different updates: no two methods end at the same weights
        assertThat(hashes).doesNotHaveDuplicates();
        assertThat(hashes).doesNotContain(ModelHash.of(runDir.resolve("checkpoints/sft")));
        for (Method m : Method.values()) {
            assertThat(results.get("methods")
                            .get(m.label())
                            .get("lr_x1")
                            .get("mean")
                            .asDouble())
                    .isBetween(0.0, 1.0);
        }
    }

    @Test
    void aPartWayPointIsTheFullRunAsItWasAtThatStep() throws Exception {
        JsonNode redi = null;
        for (JsonNode run : results.get("runs")) {
            if (run.get("name").asText().equals("x-redi-lr1-s1")) {
                redi = run;
            }
        }
        assertThat(redi).isNotNull();
        assertThat(redi.get("curve").size()).isEqualTo(1);
        String step = redi.get("curve").fieldNames().next();
        Map<Integer, String> full = losses(runDir.resolve("metrics/x-redi-lr1-s1.jsonl"));
        Map<Integer, String> partial = losses(runDir.resolve("metrics/x-redi-lr1-s1@" + step + ".jsonl"));
        assertThat(partial).hasSize(Integer.parseInt(step));
        partial.forEach((s, loss) -> assertThat(loss).as("loss at step " + s).isEqualTo(full.get(s)));
    }

    @Test
    void theReportHasTheTableAndEveryPlot() throws Exception {
        Path report = runDir.resolve("experiment/report");
        String html = Files.readString(report.resolve("index.html"));
        for (String png : List.of("accuracy", "curve-lr1", "logps-lr1", "update-lr1")) {
            assertThat(html).contains("src=\"" + png + ".png\"");
            assertThat(Files.size(report.resolve(png + ".png"))).as(png).isGreaterThan(1000);
        }
        String md = Files.readString(report.resolve("results.md"));
        for (Method m : Method.values()) {
            assertThat(md).contains("| " + m.label() + " |");
        }
    }

    @Test
    void aRerunOfAFinishedExperimentDoesNoWork() throws Exception {
        String before = Files.readString(runDir.resolve("manifest.json"));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertThat(RediCli.execute(args())).isZero();
        } finally {
            System.setOut(stdout);
        }
        assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("experiment up to date, skipped");
        assertThat(Files.readString(runDir.resolve("manifest.json"))).isEqualTo(before);
    }

    /** global_step → loss (as written) from a metrics JSONL file. */
    private static Map<Integer, String> losses(Path jsonl) throws Exception {
        Map<Integer, String> out = new TreeMap<>();
        for (String line : Files.readAllLines(jsonl)) {
            if (!line.isBlank()) {
                JsonNode n = JSON.readTree(line);
                out.put(n.get("global_step").asInt(), n.get("loss").asText());
            }
        }
        return out;
    }
}
