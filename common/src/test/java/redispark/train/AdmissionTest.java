package redispark.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redispark.model.TinyStudent;
import redispark.text.ChatTemplate;
import redispark.text.TextTokenizer;

/** What is trained on is exactly prompt | response + template tail (+ EOS), and what must not be is refused. */
class AdmissionTest {
    @TempDir
    Path dir;

    private Path student(String eos) throws Exception {
        Path d = dir.resolve(eos.replaceAll("\\W", ""));
        TinyStudent.write(d, 1);
        Path cfg = d.resolve("tokenizer_config.json");
        Files.writeString(
                cfg,
                Files.readString(cfg).replace("\"eos_token\" : \"<|im_end|>\"", "\"eos_token\" : \"" + eos + "\""));
        return d;
    }

    @Test
    void theCompletionIsTheResponsePlusTheTemplateTailAndNothingOfThePrompt() throws Exception {
        Path d = student("<|im_end|>");
        try (TextTokenizer tok = TextTokenizer.load(d)) {
            ChatTemplate template = ChatTemplate.load(d);
            Admission.Tokenized t = Admission.tokenize("p#0", "1+1?", "2", tok, template, 512);
            TokenizedExample e = t.example();
            long[] completion = Arrays.copyOfRange(e.tokens(), e.promptLength(), e.tokens().length);
            // "2" "<|im_end|>" "\n": EOS is the end-of-turn marker here, so it is not appended again
            assertThat(tok.decode(completion)).isEqualTo("2<|im_end|>\n");
            assertThat(tok.decode(Arrays.copyOf(e.tokens(), e.promptLength()))).isEqualTo(template.prompt("1+1?"));
        }
    }

    @Test
    void aDistinctEosTokenIsAppendedAndCountedAsTheQwenBaseTrainerDoes() throws Exception {
        Path d = student("<|endoftext|>");
        try (TextTokenizer tok = TextTokenizer.load(d)) {
            TokenizedExample e = Admission.tokenize("p#0", "1+1?", "2", tok, ChatTemplate.load(d), 512)
                    .example();
            long[] completion = Arrays.copyOfRange(e.tokens(), e.promptLength(), e.tokens().length);
            assertThat(tok.decode(completion)).isEqualTo("2<|im_end|>\n<|endoftext|>");
            assertThat(e.completionLength()).isEqualTo(4);
        }
    }

    @Test
    void badItemsAreRefusedWithTheirReason() throws Exception {
        Path d = student("<|im_end|>");
        try (TextTokenizer tok = TextTokenizer.load(d)) {
            ChatTemplate template = ChatTemplate.load(d);
            assertThat(Admission.tokenize("a", "q", "  \n", tok, template, 512).reason())
                    .isEqualTo(Rejects.EMPTY_COMPLETION);
            assertThat(Admission.tokenize("b", "q", null, tok, template, 512).reason())
                    .isEqualTo(Rejects.EMPTY_COMPLETION);
            assertThat(Admission.tokenize("c", "q", "x<|im_end|>", tok, template, 512)
                            .reason())
                    .isEqualTo(Rejects.INVALID_COMPLETION);
            int promptTokens = tok.encode(template.prompt("q")).length;
            // response "xy" + "<|im_end|>" + "\n" = 4 completion tokens: fits exactly, one more does not
            assertThat(Admission.tokenize("d", "q", "xy", tok, template, promptTokens + 4)
                            .ok())
                    .isTrue();
            assertThat(Admission.tokenize("e", "q", "xyz", tok, template, promptTokens + 4)
                            .reason())
                    .isEqualTo(Rejects.TOO_LONG);
            Rejects rejects = new Rejects();
            assertThat(Admission.pair("f", "q", "answer 2", " answer 2\n", null, tok, template, 512, rejects))
                    .isNull();
            assertThat(Admission.pair("g", "q", "answer 2", "", null, tok, template, 512, rejects))
                    .isNull();
            assertThat(Admission.pair("h", "q", "answer 2", "answer 3", null, tok, template, 512, rejects))
                    .isNotNull();
            assertThat(rejects.counts())
                    .containsEntry(Rejects.IDENTICAL_PAIR, 1L)
                    .containsEntry(Rejects.EMPTY_COMPLETION, 1L);
            assertThat(rejects.examples().get(Rejects.IDENTICAL_PAIR)).containsExactly("f");
        }
    }
}
