package redispark.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.model.TinyStudent;

class TextTokenizerTest {

    @TempDir
    static Path dir;

    static TextTokenizer tok;

    @BeforeAll
    static void writeTinyStudent() {
        TinyStudent.write(dir, 1);
        tok = TextTokenizer.load(dir);
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    @Test
    void everyPrintableAsciiCharacterAndNewlineIsOneToken() {
        assertThat(tok.encode("\n")).containsExactly(5);
        assertThat(tok.encode(" ")).containsExactly(6);
        assertThat(tok.encode("~")).containsExactly(100);
        StringBuilder all = new StringBuilder("\n");
        for (char c = 32; c <= 126; c++) {
            all.append(c);
        }
        assertThat(tok.encode(all.toString())).hasSize(96);
    }

    @Test
    void asciiTextRoundTripsExactly() {
        String trace = "<think>\n23 + 45 = 68\n68 - 12 = 56\n</think>\nThe final answer is \\boxed{56}.";
        assertThat(tok.decode(tok.encode(trace))).isEqualTo(trace);
        String spaces = "  a  b \n\n  c   ";
        assertThat(tok.decode(tok.encode(spaces))).isEqualTo(spaces);
        SplittableRandom rng = new SplittableRandom(3);
        for (int n = 0; n < 50; n++) {
            StringBuilder s = new StringBuilder();
            int len = rng.nextInt(0, 300);
            for (int i = 0; i < len; i++) {
                s.append(rng.nextInt(10) == 0 ? '\n' : (char) rng.nextInt(32, 127));
            }
            assertThat(tok.decode(tok.encode(s.toString()))).isEqualTo(s.toString());
            assertThat(tok.encode(s.toString())).hasSize(len);
        }
    }

    @Test
    void longTextIsNotTruncated() {
        String s = "1234567890".repeat(300);
        assertThat(tok.encode(s)).hasSize(3000);
    }

    @Test
    void specialTokensAreSingleIdsAndEosPadComeFromTheConfig() {
        assertThat(tok.encode("<|im_start|>user\nhi<|im_end|>"))
                .containsExactly(1, 91, 89, 75, 88, 5, 78, 79, 2); // char c → c - 26
        assertThat(tok.tokenId("<think>")).isEqualTo(3);
        assertThat(tok.tokenId("</think>")).isEqualTo(4);
        assertThat(tok.eosId()).isEqualTo(2);
        assertThat(tok.eosToken()).isEqualTo("<|im_end|>");
        assertThat(tok.padId()).isEqualTo(0);
        assertThatThrownBy(() -> tok.tokenId("ab")).hasMessageContaining("2 tokens");
    }
}
