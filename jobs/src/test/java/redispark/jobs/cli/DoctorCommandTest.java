package redispark.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DoctorCommandTest {

    @Test
    void doctorNamesTheEngineBuildTheGpusAndWhereTrainingWouldRun() {
        PrintStream oldOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = RediCli.execute("doctor");
        } finally {
            System.setOut(oldOut);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(code).isZero();
        assertThat(text)
                .contains("spark: 4.2.0")
                .contains("djl: 0.36.0")
                .contains("PYTORCH_LIBRARY_PATH: ")
                .contains("engine: engine=pytorch torch=2.7.1 flavor=")
                .contains("kernel: loads")
                .containsPattern("training: (CPU only|train.device = auto \\| gpu trains on \\d+ GPU)");
    }
}
