package redispark.teacher.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.model.TinyStudent;
import redispark.teacher.LocalModelTeacher;
import redispark.teacher.LocalModelTeacher.Sample;
import redispark.teacher.LocalModelTeacher.Settings;
import redispark.teacher.Problem;
import redispark.teacher.TeacherSample;

/** The local-model teacher on the (untrained, seeded) tiny student. */
class LocalModelTeacherTest {

    @TempDir
    static Path dir;

    static Path modelDir;
    static LocalModelTeacher teacher;

    static final Problem PROBLEM = new Problem("p-1", "What is 2 + 3?", "5", "test", 1);
    static final Settings SETTINGS = new Settings(1.0, 0.95, 24);

    @BeforeAll
    static void load() {
        modelDir = dir.resolve("tiny");
        TinyStudent.write(modelDir, 5);
        teacher = LocalModelTeacher.load(modelDir, SETTINGS);
    }

    @AfterAll
    static void close() {
        if (teacher != null) {
            teacher.close();
        }
    }

    @Test
    void samplesAreIndexedAndCarryTokenCounts() {
        List<Sample> samples = teacher.sampleWithUsage(PROBLEM, 3, 7, Set.of());
        assertThat(samples).extracting(s -> s.sample().sampleIdx()).containsExactly(0, 1, 2);
        for (Sample s : samples) {
            assertThat(s.sample().error()).isNull();
            assertThat(s.promptTokens()).isPositive();
            assertThat(s.completionTokens()).isBetween(0, 24);
            assertThat(s.sample().finishReason()).isIn(TeacherSample.STOP, TeacherSample.LENGTH);
            if (s.sample().finishReason().equals(TeacherSample.LENGTH)) {
                assertThat(s.completionTokens()).isEqualTo(24);
            }
        }
        assertThat(teacher.name()).isEqualTo("local:tiny");
    }

    @Test
    void theSameSeedGivesTheSameSamplesAndAnotherSeedOthers() {
        List<TeacherSample> a = teacher.sample(PROBLEM, 4, 7);
        List<TeacherSample> b = teacher.sample(PROBLEM, 4, 7);
        List<TeacherSample> c = teacher.sample(PROBLEM, 4, 8);
        assertThat(b).isEqualTo(a);
        assertThat(c.stream().map(TeacherSample::text).toList())
                .isNotEqualTo(a.stream().map(TeacherSample::text).toList());
        // Temperature 1 on an untrained model: the samples of one problem differ from each other.
        assertThat(a.stream().map(TeacherSample::text).distinct().count()).isGreaterThan(1);
    }

    @Test
    void askingOnlyForMissingIndicesReturnsTheSameSamplesAsAFullRun() {
        List<Sample> full = teacher.sampleWithUsage(PROBLEM, 4, 7, Set.of());
        List<Sample> missing = teacher.sampleWithUsage(PROBLEM, 4, 7, Set.of(0, 2));
        assertThat(missing).containsExactly(full.get(1), full.get(3));
        assertThat(teacher.sampleWithUsage(PROBLEM, 4, 7, Set.of(0, 1, 2, 3))).isEmpty();
    }

    @Test
    void aFreshlyLoadedTeacherReproducesTheSamples() {
        List<TeacherSample> first = teacher.sample(PROBLEM, 2, 3);
        try (LocalModelTeacher again = LocalModelTeacher.load(modelDir, SETTINGS)) {
            assertThat(again.sample(PROBLEM, 2, 3)).isEqualTo(first);
        }
    }

    @Test
    void greedySamplesOfOneProblemAreIdentical() {
        try (LocalModelTeacher greedy = LocalModelTeacher.load(modelDir, new Settings(0, 1, 16))) {
            List<TeacherSample> s = greedy.sample(PROBLEM, 3, 1);
            assertThat(s.get(1).text()).isEqualTo(s.get(0).text());
            assertThat(s.get(2).text()).isEqualTo(s.get(0).text());
        }
    }

    @Test
    void aPromptTooLongForTheContextBecomesErrorRows() {
        Problem huge = new Problem("p-2", "1 + ".repeat(200) + "1", "201", "test", 1);
        List<Sample> samples = teacher.sampleWithUsage(huge, 2, 7, Set.of());
        assertThat(samples).hasSize(2);
        for (Sample s : samples) {
            assertThat(s.sample().error()).contains("exceeds the model's context");
            assertThat(s.sample().text()).isEmpty();
            assertThat(s.promptTokens()).isNull();
        }
    }

    @Test
    void badSettingsAndArgumentsAreRefused() {
        assertThatThrownBy(() -> new Settings(-1, 1, 10)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> new Settings(1, 0, 10)).hasMessageContaining("topP");
        assertThatThrownBy(() -> new Settings(1, 1, 0)).hasMessageContaining("maxNewTokens");
        assertThatThrownBy(() -> teacher.sample(PROBLEM, -1, 0)).hasMessageContaining("n must be");
    }
}
