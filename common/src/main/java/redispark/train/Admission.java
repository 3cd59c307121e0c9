package redispark.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import redispark.text.ChatTemplate;
import redispark.text.TextTokenizer;
import redispark.train.objective.Objective;

/**
 * The one gate between data and training: turns text into token sequences with the model's chat template and
 * refuses, with a reason counted in {@link Rejects}, every item that must not be trained on: an empty completion,
 * a sequence over the maximum length, a pair whose two sides are identical, a completion the template refuses, a
 * DPO pair without reference log-probs. Nothing is truncated and nothing is dropped silently.
 */
public final class Admission {
    private Admission() {}

    /** A tokenised example, or the reason it was refused. */
    public record Tokenized(TokenizedExample example, String reason) {
        public boolean ok() {
            return example != null;
        }
    }

    /**
     * {@code template.prompt(prompt)} then {@code template.completion(completion)} (response + template tail, e.g.
     * {@code <|im_end|>\n}) then the EOS token, tokenised apart and concatenated, so the prompt/completion boundary
     * is exact. Every completion token is trained on and counted in |y|, as in the paper's trainer (TRL's
     * {@code tokenize_row} appends {@code eos_token_id}; for Qwen2.5-Math that is {@code <|endoftext|>} after
     * {@code <|im_end|>\n}). When the EOS token is the template's end-of-turn marker itself (the embedded student,
     * Qwen instruct models) it already closes the turn and is not appended a second time.
     */
    public static Tokenized tokenize(
            String id,
            String prompt,
            String completion,
            TextTokenizer tokenizer,
            ChatTemplate template,
            int maxSeqLen) {
        if (completion == null || completion.isBlank()) {
            return new Tokenized(null, Rejects.EMPTY_COMPLETION);
        }
        String renderedCompletion;
        try {
            renderedCompletion = template.completion(completion);
        } catch (IllegalArgumentException e) {
            return new Tokenized(null, Rejects.INVALID_COMPLETION);
        }
        long[] promptIds = tokenizer.encode(template.prompt(prompt));
        long[] completionIds = tokenizer.encode(renderedCompletion);
        if (!template.endOfTurn().equals(tokenizer.eosToken())) {
            completionIds = Arrays.copyOf(completionIds, completionIds.length + 1);
            completionIds[completionIds.length - 1] = tokenizer.eosId();
        }
        if (promptIds.length == 0 || completionIds.length == 0) {
            return new Tokenized(null, Rejects.EMPTY_COMPLETION);
        }
        if (promptIds.length + completionIds.length > maxSeqLen) {
            return new Tokenized(null, Rejects.TOO_LONG);
        }
        long[] tokens = Arrays.copyOf(promptIds, promptIds.length + completionIds.length);
        System.arraycopy(completionIds, 0, tokens, promptIds.length, completionIds.length);
        return new Tokenized(new TokenizedExample(id, tokens, promptIds.length), null);
    }

    /** Tokenises a pair; refuses it when either side is refused or both sides are the same text. */
    public static TokenizedPair pair(
            String id,
            String prompt,
            String chosen,
            String rejected,
            RefLogProbs ref,
            TextTokenizer tokenizer,
            ChatTemplate template,
            int maxSeqLen,
            Rejects rejects) {
        if (chosen != null && chosen.strip().equals(rejected == null ? null : rejected.strip())) {
            rejects.add(Rejects.IDENTICAL_PAIR, id);
            return null;
        }
        Tokenized c = tokenize(id + "/chosen", prompt, chosen, tokenizer, template, maxSeqLen);
        Tokenized r = tokenize(id + "/rejected", prompt, rejected, tokenizer, template, maxSeqLen);
        if (!c.ok() || !r.ok()) {
            rejects.add(c.ok() ? r.reason() : c.reason(), id);
            return null;
        }
        return new TokenizedPair(id, c.example(), r.example(), ref);
    }

    /**
     * Token-level check of data already tokenised (the trainer runs it on whatever it is given): sequence length,
     * identical pairs, and reference log-probs when the objective needs them.
     */
    public static TrainData check(TrainData data, Objective objective, int maxSeqLen, Rejects rejects) {
        if (data instanceof TrainData.Examples e) {
            return new TrainData.Examples(fitting(e.rows(), maxSeqLen, rejects));
        } else if (data instanceof TrainData.Unpaired u) {
            return new TrainData.Unpaired(
                    fitting(u.positives(), maxSeqLen, rejects), fitting(u.negatives(), maxSeqLen, rejects));
        }
        List<TokenizedPair> kept = new ArrayList<>();
        for (TokenizedPair p : ((TrainData.Pairs) data).rows()) {
            if (p.chosen().tokens().length > maxSeqLen || p.rejected().tokens().length > maxSeqLen) {
                rejects.add(Rejects.TOO_LONG, p.id());
            } else if (Arrays.equals(p.chosen().tokens(), p.rejected().tokens())) {
                rejects.add(Rejects.IDENTICAL_PAIR, p.id());
            } else if (objective.needsReference() && p.ref() == null) {
                rejects.add(Rejects.MISSING_REFERENCE, p.id());
            } else {
                kept.add(p);
            }
        }
        return new TrainData.Pairs(kept);
    }

    private static List<TokenizedExample> fitting(List<TokenizedExample> rows, int maxSeqLen, Rejects rejects) {
        List<TokenizedExample> kept = new ArrayList<>(rows.size());
        for (TokenizedExample e : rows) {
            if (e.tokens().length > maxSeqLen) {
                rejects.add(Rejects.TOO_LONG, e.id());
            } else {
                kept.add(e);
            }
        }
        return kept;
    }
}
