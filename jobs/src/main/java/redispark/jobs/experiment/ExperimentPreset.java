package redispark.jobs.experiment;

import java.util.ArrayList;
import java.util.List;
import redispark.jobs.generate.GenerateConfig;
import redispark.teacher.ErrorModel;

/** Named sizes of {@code redi experiment}: config overrides applied under the user's own {@code --set}s. */
public enum ExperimentPreset {
    /**
     * The paper's Table 2 comparison at laptop scale: every method, the seeds of conf/local.conf and learning-rate
     * factors ×0.1, ×0.3 and ×1, on 1,500 training problems (about 1,100 pairs, ~135 stage-2 steps a run) with SFT
     * run for 10 epochs so it still takes the ~1,900 steps the tiny student needs. The teacher slips the way the SFT
     * student does ({@link ErrorModel#STUDENT_LIKE_WEIGHTS}: near misses and miscopied operands; no truncations, which
     * the student never makes), so the negatives show the student its own kind of mistake: 45 stage-2 runs and 61
     * evaluations in under an hour on 2 cores.
     */
    PAPER_TABLE2("paper-table2", with(List.of("problems.count=1500", "train.sft.epochs=10",
            "experiment.lr-factors=[0.1,0.3,1.0]", "teacher.error-model.truncation-rate=0.0"),
            studentLikeTeacher())),
    /**
     * The embedded default as it is (the pipeline's problems, teacher and SFT): a sweep of stage-2 settings from the
     * SFT model of a {@code redi pipeline} run, without training it again.
     */
    EMBEDDED("embedded", List.of()),
    /** A plumbing check in a few minutes: one seed, one learning rate, a small problem set, one sample. */
    MINIMAL("minimal", List.of("experiment.seeds=[1]", "experiment.lr-factors=[1.0]", "experiment.curve-points=[0.5]",
            "problems.count=120", "problems.heldout-count=20", "eval.samples=1"));

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
        throw new IllegalArgumentException("--preset: unknown preset '" + label + "' (expected paper-table2, embedded or minimal)");
    }
}
