package redispark.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} through DJL's native tokenizers binding, with truncation, padding and
 * automatic special tokens all off: special tokens come only from the chat template's text (DJL's
 * default silently truncates every text to 512 tokens).
 *
 * <p>{@code eos_token} and {@code pad_token} come from {@code tokenizer_config.json} (string or {@code {"content"}}
 * form); the pad token falls back to EOS.
 */
public final class TextTokenizer implements AutoCloseable {

    private static final Map<String, String> OPTIONS =
            Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");

    private final HuggingFaceTokenizer tokenizer;
    private final String eosToken;
    private final long eosId;
    private final long padId;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, String eosToken, String padToken) {
        this.tokenizer = tokenizer;
        this.eosToken = eosToken;
        this.eosId = tokenId(eosToken);
        this.padId = padToken == null ? eosId : tokenId(padToken);
    }

    /** Loads {@code tokenizer.json} and {@code tokenizer_config.json} from a Hugging Face folder. */
    public static TextTokenizer load(Path hfDir) {
        JsonNode cfg = readConfig(hfDir);
        String eos = tokenString(cfg.get("eos_token"));
        if (eos == null) {
            throw new IllegalArgumentException(hfDir.resolve("tokenizer_config.json") + " has no eos_token");
        }
        HuggingFaceTokenizer tok;
        try {
            tok = HuggingFaceTokenizer.newInstance(hfDir.resolve("tokenizer.json"), OPTIONS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load " + hfDir.resolve("tokenizer.json"), e);
        }
        try {
            return new TextTokenizer(tok, eos, tokenString(cfg.get("pad_token")));
        } catch (RuntimeException e) {
            tok.close();
            throw e;
        }
    }

    static JsonNode readConfig(Path hfDir) {
        Path p = hfDir.resolve("tokenizer_config.json");
        if (!Files.exists(p)) {
            throw new IllegalArgumentException("missing " + p);
        }
        try {
            return new ObjectMapper().readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }

    /** A special-token entry of tokenizer_config.json: a string, {"content": ...}, or null. */
    static String tokenString(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isObject()) {
            JsonNode c = n.get("content");
            return c == null || c.isNull() ? null : c.asText();
        }
        return n.asText();
    }

    /** Token ids of {@code text}, no special tokens added, never truncated. */
    public long[] encode(String text) {
        return tokenizer.encode(text, false, false).getIds();
    }

    /** The text of {@code ids}, special tokens kept (so decode(encode(s)) == s for text the vocabulary covers). */
    public String decode(long[] ids) {
        return tokenizer.decode(ids, false);
    }

    /** Id of the end-of-sequence token ({@code eos_token}). */
    public long eosId() {
        return eosId;
    }

    /** The end-of-sequence token's text. */
    public String eosToken() {
        return eosToken;
    }

    /** Id used for padding ({@code pad_token}, else EOS); padded positions are masked, so its value never matters. */
    public long padId() {
        return padId;
    }

    /** The id of a single token such as {@code "<|im_end|>"}; an error if the text is not exactly one token. */
    public long tokenId(String token) {
        long[] ids = encode(token);
        if (ids.length != 1) {
            throw new IllegalArgumentException("'" + token + "' is " + ids.length + " tokens, not one");
        }
        return ids[0];
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
