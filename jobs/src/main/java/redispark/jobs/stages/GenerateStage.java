package redispark.jobs.stages;

import java.util.ArrayList;
import java.util.List;
import redispark.jobs.config.RediConfig;
import redispark.jobs.generate.GenerateConfig;
import redispark.jobs.generate.GenerateTables;
import redispark.jobs.generate.ProblemSelection.Selected;
import redispark.jobs.generate.ProblemSources;

/**
 * {@code redi generate}: writes the {@code problems} table (training and held-out problems, from {@code
 * problems.source}) and the {@code traces} table (one row per teacher generation of each training problem, from
 * {@code teacher.kind}), plus {@code rejects/stage=generate} with every input row that became neither.
 *
 * <p>Sampling teachers (builtin, openai, local) are idempotent: a rerun keeps the good traces of the same
 * generation config and asks only for the missing or failed {@code (problem_id, sample_idx)}. The openr1 import
 * brings its own problems and traces.
 */
public final class GenerateStage implements Stage {

    @Override
    public String name() {
        return "generate";
    }

    /** Failed teacher requests are retried by the next run, so a run that left some is never up to date. */
    @Override
    public boolean finished(StageOutcome previous) {
        return previous.rows().getOrDefault("traces_error", 0L) == 0;
    }

    @Override
    public List<String> configPaths() {
        return List.of("problems", "teacher");
    }

    @Override
    public List<String> inputs() {
        return List.of();
    }

    @Override
    public List<String> externalInputs(RediConfig rediConfig) {
        GenerateConfig config = GenerateConfig.from(rediConfig);
        List<String> files = new ArrayList<>();
        switch (config.teacher().kind()) {
            case OPENR1 -> { // the import brings its own problems; problems.source is not read
                ExternalInputs.addIfSet(files, config.teacher().openr1().path());
                return files;
            }
            case LOCAL ->
                ExternalInputs.addIfSet(files, config.teacher().local().modelDir());
            default -> {}
        }
        switch (config.problems().source()) {
            case TABLE ->
                ExternalInputs.addIfSet(files, config.problems().table().path());
            case BENCHMARK ->
                files.addAll(ExternalInputs.benchmarkFiles(
                        config.problems().benchmark().dir(),
                        config.problems().benchmark().names()));
            default -> {}
        }
        return files;
    }

    @Override
    public List<String> outputs() {
        return List.of("problems", "traces");
    }

    @Override
    public StageOutcome run(StageContext context) {
        GenerateConfig config = GenerateConfig.from(context.config());
        if (config.teacher().kind() == GenerateConfig.Kind.OPENR1) {
            return GenerateTables.importOpenR1(context.spark(), context.run(), config);
        }
        Selected selected = ProblemSources.read(context.spark(), context.run().files(), config.problems());
        return GenerateTables.sample(context.spark(), context.run(), config, selected);
    }
}
