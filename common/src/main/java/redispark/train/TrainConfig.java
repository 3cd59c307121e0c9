package redispark.train;

import java.io.Serializable;
import redispark.model.ModelConfig;
import redispark.train.objective.Objective;

/**
 * Everything one training stage needs, resolved once at the edge (CLI or Estimator) and shipped to the workers.
 *
 * @param objective what to minimise
 * @param recipe the objective's hyper-parameters
 * @param maxSeqLen longest prompt + completion accepted, in tokens; longer sequences are rejected, never truncated
 * @param maxSteps stop after this many optimizer steps of the schedule (0 = run it all); the schedule itself is
 *     unchanged, so a later resume continues exactly as an uninterrupted run would
 * @param checkpointEvery write a resumable checkpoint every this many steps (0 = only at the end)
 * @param collapse the collapse alarm's settings
 * @param compute how steps are computed (path, recompute, dtype, memory bounds); null means the defaults
 * @param model edits to the base model's config.json applied when it is loaded (and so written into every
 *     checkpoint it trains into); null means none
 */
public record TrainConfig(
        Objective objective,
        Recipe recipe,
        int maxSeqLen,
        int maxSteps,
        int checkpointEvery,
        CollapseAlarm.Settings collapse,
        StepCompute compute,
        ModelConfig.Overrides model)
        implements Serializable {

    public TrainConfig {
        compute = compute == null ? StepCompute.defaults() : compute; // states written before it existed
        model = model == null ? ModelConfig.Overrides.NONE : model;
        if (maxSeqLen < 2) {
            throw new IllegalArgumentException("max-seq-len must be >= 2, got " + maxSeqLen);
        }
        if (maxSteps < 0 || checkpointEvery < 0) {
            throw new IllegalArgumentException("max-steps and checkpoint-every must be >= 0");
        }
        switch (objective) {
            case SFT -> {}
            case REDI, REDI_UNPAIRED -> {} // α = 0 is legal: SFT on the positives, length-normalised
            case DPO -> require(recipe.beta() > 0, "dpo needs beta > 0");
            case SIMPO -> require(recipe.beta() > 0, "simpo needs beta > 0");
        }
        require(
                collapse.action() != CollapseAlarm.Action.STOP || checkpointEvery > 0,
                "collapse action 'stop' keeps the last good checkpoint, so it needs checkpoint-every > 0");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** A config that trains the base model as its config.json describes it. */
    public TrainConfig(
            Objective objective,
            Recipe recipe,
            int maxSeqLen,
            int maxSteps,
            int checkpointEvery,
            CollapseAlarm.Settings collapse,
            StepCompute compute) {
        this(objective, recipe, maxSeqLen, maxSteps, checkpointEvery, collapse, compute, ModelConfig.Overrides.NONE);
    }

    /** The objective's recipe from a preset, default alarm, no step limit, checkpoint at the end only. */
    public static TrainConfig of(Objective objective, Recipe recipe, int maxSeqLen) {
        return new TrainConfig(
                objective, recipe, maxSeqLen, 0, 0, CollapseAlarm.Settings.defaults(), StepCompute.defaults());
    }

    public TrainConfig withRecipe(Recipe r) {
        return new TrainConfig(objective, r, maxSeqLen, maxSteps, checkpointEvery, collapse, compute, model);
    }

    public TrainConfig withMaxSteps(int n) {
        return new TrainConfig(objective, recipe, maxSeqLen, n, checkpointEvery, collapse, compute, model);
    }

    public TrainConfig withCheckpointEvery(int n) {
        return new TrainConfig(objective, recipe, maxSeqLen, maxSteps, n, collapse, compute, model);
    }

    public TrainConfig withCollapse(CollapseAlarm.Settings s) {
        return new TrainConfig(objective, recipe, maxSeqLen, maxSteps, checkpointEvery, s, compute, model);
    }

    public TrainConfig withCompute(StepCompute c) {
        return new TrainConfig(objective, recipe, maxSeqLen, maxSteps, checkpointEvery, collapse, c, model);
    }

    public TrainConfig withModel(ModelConfig.Overrides o) {
        return new TrainConfig(objective, recipe, maxSeqLen, maxSteps, checkpointEvery, collapse, compute, o);
    }

    /** Whether a checkpoint written under {@code other} can be resumed under this config (same data and maths). */
    public boolean resumableFrom(TrainConfig other) {
        return objective == other.objective && recipe.equals(other.recipe) && maxSeqLen == other.maxSeqLen;
    }

    public double learningRate() {
        return recipe.learningRate();
    }

    public int epochs() {
        return recipe.epochs();
    }

    public int batchSize() {
        return recipe.batchSize();
    }

    public double alpha() {
        return recipe.alpha();
    }
}
