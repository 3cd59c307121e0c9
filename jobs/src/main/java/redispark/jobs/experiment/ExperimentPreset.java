package redispark.jobs.experiment;

import java.util.ArrayList;
import java.util.List;
import redispark.jobs.generate.GenerateConfig;
import redispark.teacher.ErrorModel;

/** Named sizes of {@code redi experiment}: config overrides applied under the user's own {@code --set}s. */
public enum ExperimentPreset {
    /**
     * The paper's Table 2 comparison at laptop scale, from a plateaued SFT start: the embedded default's problems (two
     * operations on one-digit numbers, which the tiny student can learn) with SFT run for 60 epochs, until its
     * held-out accuracy is flat over its last third (checked on the models saved every 1,000 steps; the experiment
     * stops if not — at 10 epochs it still rose from 13 % to 36 % over the last third, at 30 from 83 % to 95 %). More held-out problems (400
     * drawn, about 190 unseen) make each evaluation's error smaller. Then every method on the first seed at ×1 and ×10
     * its tiny-recipe learning rate (×1 is the rate at which REDI keeps SFT's accuracy on the embedded default, ×10
     * where the collapse alarm fires there), and seeds 2 and 3 at each method's better factor. The teacher slips the
     * way the SFT student does ({@link ErrorModel#STUDENT_LIKE_WEIGHTS}: near misses and miscopied operands; no
     * truncations, which the student never makes), so the negatives show the student its own kind of mistake.
     */
    PAPER_TABLE2(
            "paper-table2",
            with(
                    List.of(
                            "train.sft.epochs=60",
                            "problems.heldout-count=400",
                            "eval.every=1000",
                            "experiment.lr-factors=[1.0,10.0]",
                            "experiment.seeds-at=best-lr",
                            "experiment.curve-points=[]",
                            "experiment.plateau.require=true",
                            "teacher.error-model.truncation-rate=0.0"),
                    studentLikeTeacher())),
    /**
     * The embedded default as it is (the pipeline's problems, teacher and SFT): a sweep of stage-2 settings from the
     * SFT model of a {@code redi pipeline} run, without training it again.
     */
    EMBEDDED("embedded", List.of()),
    /** A plumbing check in a few minutes: one seed, one learning rate, a small problem set, one sample. */
    MINIMAL(
            "minimal",
            List.of(
                    "experiment.seeds=[1]",
                    "experiment.lr-factors=[1.0]",
                    "experiment.curve-points=[0.5]",
                    "problems.count=120",
                    "problems.heldout-count=20",
                    "eval.samples=1"));

    private final String label;
    private final List<String> overrides;

    ExperimentPreset(String label, List<String> overrides) {
        this.label = label;
        this.overrides = overrides;
    }

    private static List<String> studentLikeTeacher() {
        List<String> out = new ArrayList<>();
        ErrorModel.STUDENT_LIKE_WEIGHTS.forEach((kind, w) -> out.add(GenerateConfig.slipWeightKey(kind) + "=" + w));
        return out;
    }

    private static List<String> with(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return List.copyOf(out);
    }

    public List<String> overrides() {
        return overrides;
    }

    public static ExperimentPreset parse(String label) {
        for (ExperimentPreset p : values()) {
            if (p.label.equals(label)) {
                return p;
            }
        }
        throw new IllegalArgumentException(
                "--preset: unknown preset '" + label + "' (expected paper-table2, embedded or minimal)");
    }
}
