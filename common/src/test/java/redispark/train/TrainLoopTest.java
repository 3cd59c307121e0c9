package redispark.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.dist.Collective;
import redispark.model.Qwen2Model;
import redispark.model.TinyStudent;
import redispark.teacher.BuiltInTeacher;
import redispark.teacher.Problem;
import redispark.teacher.ProblemSpec;
import redispark.teacher.SampleTrace;
import redispark.teacher.SyntheticProblems;
import redispark.text.ChatTemplate;
import redispark.text.TextTokenizer;
import redispark.train.objective.Objective;

class TrainLoopTest {
    @TempDir
    static Path dir;

    static List<TokenizedExample> correct = new ArrayList<>();
    static List<TokenizedPair> pairs = new ArrayList<>();
    static long padId;

    @BeforeAll
    static void data() {
        TinyStudent.write(dir, 1);
        ProblemSpec spec = ProblemSpec.defaults().withCount(40);
        BuiltInTeacher teacher = new BuiltInTeacher();
        try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
            padId = tokenizer.padId();
            ChatTemplate template = ChatTemplate.load(dir);
            for (Problem p : SyntheticProblems.generate(spec)) {
                TokenizedExample good = null;
                TokenizedExample bad = null;
                for (SampleTrace t : teacher.traces(p, 4, 3)) {
                    if (t.truncated()) {
                        continue;
                    }
                    TokenizedExample e = TrainWorker.example(p.problemId(), p.problem(), t.sample().text(),
                            tokenizer, template);
                    if (t.intendedCorrect() && good == null) {
                        good = e;
                    } else if (!t.intendedCorrect() && bad == null) {
                        bad = e;
                    }
                }
                if (good != null) {
                    correct.add(good);
                    if (bad != null) {
                        pairs.add(new TokenizedPair(p.problemId(), good, bad));
                    }
                }
            }
        }
        assertThat(correct).hasSizeGreaterThan(10);
        assertThat(pairs).hasSizeGreaterThan(4);
    }

    private static TrainConfig config(Objective objective, double lr, int epochs) {
        return new TrainConfig(objective, lr, epochs, 8, 0.1, 1e-4, 1.0, 0.8, 7, 512);
    }

    @Test
    void sftLowersTheLossOnHeldOutTraces() {
        List<TokenizedExample> train = correct.subList(0, correct.size() - 6);
        List<TokenizedExample> heldOut = correct.subList(correct.size() - 6, correct.size());
        List<Map<String, Double>> steps = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager();
                Qwen2Model model = Qwen2Model.load(dir, root)) {
            TrainLoop loop = new TrainLoop(model, config(Objective.SFT, 3e-3, 3), Collective.single(), padId,
                    steps::add);
            double before = loop.completionLoss(heldOut);
            loop.sft(train);
            double after = loop.completionLoss(heldOut);
            assertThat(after).isLessThan(before * 0.8);
        }
        assertThat(steps.get(steps.size() - 1).get("loss")).isLessThan(steps.get(0).get("loss"));
        assertThat(steps.get(0)).containsKeys("grad_norm", "update_norm", "learning_rate", "num_tokens",
                "tokens_per_sec", "epoch", "global_step");
        assertThat(steps).allSatisfy(m -> assertThat(m.get("grad_norm")).isFinite());
    }

    @Test
    void rediRaisesTheRewardMarginFromTheSftModel() {
        List<Map<String, Double>> steps = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager();
                Qwen2Model model = Qwen2Model.load(dir, root)) {
            new TrainLoop(model, config(Objective.SFT, 3e-3, 2), Collective.single(), padId, m -> {})
                    .sft(correct);
            TrainLoop redi = new TrainLoop(model, config(Objective.REDI, 1e-3, 3), Collective.single(), padId,
                    steps::add);
            Map<String, Double> before = redi.pairMargins(pairs);
            redi.redi(pairs);
            Map<String, Double> after = redi.pairMargins(pairs);
            assertThat(after.get("rewards/margins")).isGreaterThan(before.get("rewards/margins"));
        }
        assertThat(steps.get(0)).containsKeys("loss/pos", "loss/neg", "logps/chosen", "logps/rejected",
                "logps_norm/chosen", "logps_norm/rejected", "rewards/accuracies", "lengths/chosen");
    }

    @Test
    void anEmptyShardIsAnErrorNotASilentNoOp() {
        try (NDManager root = NDManager.newBaseManager();
                Qwen2Model model = Qwen2Model.load(dir, root)) {
            TrainLoop loop = new TrainLoop(model, config(Objective.SFT, 1e-3, 1), Collective.single(), padId, m -> {});
            assertThatThrownBy(() -> loop.sft(List.of())).hasMessageContaining("empty");
        }
    }
}
