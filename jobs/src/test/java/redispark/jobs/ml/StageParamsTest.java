package redispark.jobs.ml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.junit.jupiter.api.Test;
import redispark.train.Recipe;

/**
 * The Params of the ML stages, declared once as methods that build them: Spark finds every one, a Param from one
 * call is the Param of the next, values survive {@code copy}, validators refuse bad values, and the recipe Params
 * that were set reach the training recipe.
 */
class StageParamsTest {

    @Test
    void sparkFindsEveryParamByItsMethod() {
        assertThat(names(new VerdictLabeler().params()))
                .containsExactlyInAnyOrder(
                        "predictionCol", "goldCol", "outputCol", "budgetMillis", "problemCol", "approximate");
        assertThat(names(new StudentModel("m", "/tmp/model").params()))
                .containsExactlyInAnyOrder("problemCol", "outputCol", "maxNewTokens", "temperature", "sampleSeed");
        assertThat(names(new RediEstimator().params()))
                .contains("completionCol", "chosenCol", "refRejectedCol", "alpha", "learningRate", "trainPath")
                .hasSize(28);
    }

    @Test
    void aParamFromOneCallIsTheParamOfTheNext() {
        VerdictLabeler v = new VerdictLabeler();
        Param<String> first = v.outputCol();
        assertThat(v.outputCol()).isEqualTo(first).isNotSameAs(first);
        v.setOutputCol("judged");
        assertThat(v.getOrDefault(first)).isEqualTo("judged");
        assertThat(v.getOutputCol()).isEqualTo("judged");
        assertThat(v.isDefined(v.getParam("outputCol"))).isTrue();
    }

    @Test
    void copiesKeepTheValuesAndTheSetterType() {
        RediEstimator redi =
                new RediEstimator().setObjective("dpo").setBeta(0.25).setCompletionCol("c");
        RediEstimator copy = redi.copy(ParamMap.empty());
        assertThat(copy.uid()).isEqualTo(redi.uid());
        assertThat(copy.getOrDefault(copy.objective())).isEqualTo("dpo");
        assertThat(copy.getCompletionCol()).isEqualTo("c");
        StudentModel model =
                new StudentModel("m", "/tmp/model").setProblemCol("question").setMaxNewTokens(8);
        assertThat(model.copy(ParamMap.empty()).getProblemCol()).isEqualTo("question");
    }

    @Test
    void validatorsRefuseBadValues() {
        assertThatThrownBy(() -> new RediEstimator().setAlpha(1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RediEstimator().setObjective("ppo")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SftEstimator().setEpochs(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new VerdictLabeler().setBudgetMillis(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theRecipeParamsThatWereSetReachTheRecipe() {
        Recipe preset = new RediEstimator().trainConfig().recipe();
        Recipe r = new RediEstimator()
                .setAlpha(0.3)
                .setEpochs(preset.epochs() + 2)
                .setSeed(1L << 40)
                .trainConfig()
                .recipe();
        assertThat(r.alpha()).isEqualTo(0.3);
        assertThat(r.epochs()).isEqualTo(preset.epochs() + 2);
        assertThat(r.seed()).isEqualTo(1L << 40);
        assertThat(r.learningRate()).isEqualTo(preset.learningRate());
        assertThat(r.beta()).isEqualTo(preset.beta());
    }

    private static String[] names(Param<?>[] params) {
        return Arrays.stream(params).map(Param::name).toArray(String[]::new);
    }
}
