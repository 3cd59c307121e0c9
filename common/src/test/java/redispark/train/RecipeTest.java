package redispark.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.RecordComponent;
import org.junit.jupiter.api.Test;

class RecipeTest {
    private static final Recipe BASE = new Recipe(1e-3, 2, 8, 4, 0.1, 1e-4, 1.0, 0.5, 0.1, 0.2, 7);

    @Test
    void eachKeyChangesTheComponentOfItsNameAndNoOther() throws Exception {
        RecordComponent[] components = Recipe.class.getRecordComponents();
        for (Recipe.Key key : Recipe.Key.values()) {
            double value = key.whole() ? 3 : 0.25; // a value no component of BASE has
            Recipe changed = BASE.with(key, value);
            for (RecordComponent c : components) {
                Object before = c.getAccessor().invoke(BASE);
                Object after = c.getAccessor().invoke(changed);
                if (camel(key).equals(c.getName())) {
                    assertThat(((Number) after).doubleValue())
                            .as(key + " sets " + c.getName())
                            .isEqualTo(value);
                } else {
                    assertThat(after).as(key + " leaves " + c.getName()).isEqualTo(before);
                }
            }
        }
    }

    @Test
    void labelsAreTheConfigurationKeys() {
        assertThat(Recipe.Key.LEARNING_RATE.label()).isEqualTo("learning-rate");
        assertThat(Recipe.Key.find("micro-batch-size")).isEqualTo(Recipe.Key.MICRO_BATCH_SIZE);
        assertThat(Recipe.Key.find("micro_batch_size")).isNull();
        assertThat(Recipe.Key.EPOCHS.whole()).isTrue();
        assertThat(Recipe.Key.SEED.whole()).isTrue();
        assertThat(Recipe.Key.ALPHA.whole()).isFalse();
    }

    @Test
    void aSeedKeepsEveryBit() {
        assertThat(BASE.with(Recipe.Key.SEED, Long.MAX_VALUE - 1).seed()).isEqualTo(Long.MAX_VALUE - 1);
    }

    @Test
    void refusesWhatTheRecipeRefuses() {
        assertThatThrownBy(() -> BASE.with(Recipe.Key.EPOCHS, 1.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("epochs must be a whole number, got 1.5");
        assertThatThrownBy(() -> BASE.with(Recipe.Key.BATCH_SIZE, 1L << 40))
                .hasMessage("batch-size is too large, got " + (1L << 40));
        assertThatThrownBy(() -> BASE.with(Recipe.Key.ALPHA, 2.0)).hasMessage("alpha must be in [0, 1], got 2.0");
        assertThat(BASE.with(Recipe.Key.EPOCHS, 4.0).epochs()).isEqualTo(4);
    }

    private static String camel(Recipe.Key key) {
        String[] words = key.name().toLowerCase(java.util.Locale.ROOT).split("_");
        StringBuilder out = new StringBuilder(words[0]);
        for (int i = 1; i < words.length; i++) {
            out.append(Character.toUpperCase(words[i].charAt(0))).append(words[i].substring(1));
        }
        return out.toString();
    }
}
