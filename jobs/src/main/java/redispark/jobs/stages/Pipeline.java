package redispark.jobs.stages;

import java.util.List;
import redispark.train.objective.Objective;

/** The stages of a full run, in order. */
public final class Pipeline {
    private Pipeline() {}

    public static List<Stage> stages() {
        return List.of(
                new GenerateStage(),
                new LabelStage(),
                new SplitStage(),
                new TrainStage(Objective.SFT),
                new TrainStage(Objective.REDI),
                new EvalStage(),
                new ReportStage());
    }

    public static void run(StageContext context) {
        for (Stage stage : stages()) {
            StageRunner.run(stage, context);
        }
    }
}
