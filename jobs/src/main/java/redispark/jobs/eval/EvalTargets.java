package redispark.jobs.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import redispark.jobs.config.ConfigError;
import redispark.jobs.run.HadoopFiles;
import redispark.jobs.run.RunDir;
import redispark.jobs.train.TrainingRun;

/**
 * The models an evaluation scores, name → folder URI: the folders given to {@code redi eval --model}, else the run's
 * checkpoints named in {@code eval.models}, those not trained yet listed as {@code skipped}; with {@code eval.backend =
 * openai}, the served models of {@code eval.models}, name → server.
 */
public record EvalTargets(Map<String, String> models, List<String> skipped) {

    /** The folder of the run's model {@code name}: {@code checkpoints/<name>} ({@code base} is the starting student). */
    public static String checkpointOf(String name) {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new ConfigError("eval.models: '" + name + "' is not a checkpoint folder name "
                    + "(letters, digits, '.', '_', '-')");
        }
        return name.equals("base") ? BASE : TrainingRun.checkpointOf(name);
    }

    /** Where the starting student lives in a run directory. */
    public static final String BASE = "checkpoints/base";

    /** A relative path names a folder of the run directory; anything else (absolute path, URI) is used as is. */
    public static boolean insideRun(String location) {
        return !location.startsWith("/") && !location.contains(":");
    }

    /** The explicitly given folders, relative ones resolved against the run directory. */
    public static EvalTargets explicit(RunDir run, Map<String, String> locations) {
        Map<String, String> models = new LinkedHashMap<>();
        locations.forEach((name, location) -> models.put(name, insideRun(location) ? run.path(location) : location));
        return new EvalTargets(models, List.of());
    }

    /** The served models of {@code eval.backend = openai}, name → the server's base URL; none is skipped. */
    public static EvalTargets served(EvalConfig config) {
        Map<String, String> models = new LinkedHashMap<>();
        config.served().forEach((name, server) -> models.put(name, server.baseUrl()));
        return new EvalTargets(models, List.of());
    }

    /** The run's checkpoints of {@code names} that exist, saying which are skipped (the caller prepares the base). */
    public static EvalTargets ofRun(RunDir run, List<String> names) {
        Map<String, String> models = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        for (String name : names) {
            String dir = checkpointOf(name);
            if (run.exists(dir)) {
                models.put(name, run.path(dir));
            } else {
                skipped.add(name);
            }
        }
        if (!skipped.isEmpty()) {
            System.out.printf("[redi] eval       not trained yet, skipped: %s%n", String.join(", ", skipped));
        }
        return new EvalTargets(models, List.copyOf(skipped));
    }

    /**
     * The models a training run saved every {@code eval.every} steps next to {@code modelUri}, step → folder in step
     * order; none for a model outside a run's checkpoints.
     */
    public static SortedMap<Integer, String> snapshots(HadoopFiles files, String modelUri) {
        SortedMap<Integer, String> out = new TreeMap<>();
        String dir = modelUri + TrainingRun.SNAPSHOTS;
        for (String entry : files.list(dir)) {
            if (entry.matches("\\d+")) {
                out.put(Integer.parseInt(entry), dir + "/" + entry);
            }
        }
        return out;
    }
}
