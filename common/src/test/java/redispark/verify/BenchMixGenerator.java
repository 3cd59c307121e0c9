package redispark.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

/**
 * Developer tool (not a test): writes {@code src/test/resources/verify/bench-mix.jsonl}, a realistic
 * mix of golds (taken from the benchmark files) and model-output-like predictions in varied styles:
 * correct boxes, equivalent forms, wrong answers, think blocks, "final answer" sentences, truncated
 * traces, multiple choice. The reasoning text is synthetic; no problem or solution text is copied.
 * Each line says the verdict it must produce ({@code expect}: a reason label). Deterministic (fixed
 * seed). Usage: {@code GoldMix [output path]}.
 */
public final class BenchMixGenerator {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern INTEGER = Pattern.compile("-?\\d+");
    private static final Pattern SIMPLE_FRAC = Pattern.compile("(-?)\\\\d?frac\\{(\\d+)\\}\\{(\\d+)\\}");
    private static final String[] OPENERS = {
        "Let's solve this step by step.",
        "We start by setting up the equation.",
        "First, we simplify the expression.",
        "Consider the given conditions carefully.",
        "To solve this, we break the problem into cases.",
        "Let me think about this problem."
    };
    private static final String[] STEPS = {
        "Multiplying both sides by %d gives a simpler form.",
        "Substituting $x = %d$ we obtain $%d + %d = %d$.",
        "This means the remainder is $%d$.",
        "So the total is $%d \\cdot %d = %d$.",
        "Therefore $a_n = %d$ for the first term.",
        "We check that $%d^2 = %d$, which is consistent.",
        "Hence there are %d cases to consider."
    };

    private BenchMixGenerator() {}

    public static void main(String[] args) throws IOException {
        Path out = Paths.get(args.length > 0 ? args[0] : "common/src/test/resources/verify/bench-mix.jsonl");
        Random rnd = new Random(20261126L);
        List<String[]> golds = new ArrayList<>(); // {file, gold}
        for (String file : List.of(
                "math500.jsonl",
                "gsm8k.jsonl",
                "aime24.jsonl",
                "amc23.jsonl",
                "minerva_math.jsonl",
                "olympiadbench.jsonl")) {
            List<BenchmarkFiles.Row> rows = BenchmarkFiles.rows(file);
            int take = file.equals("gsm8k.jsonl") ? 500 : file.equals("math500.jsonl") ? 500 : 200;
            for (int i = 0; i < Math.min(take, rows.size()); i++) {
                BenchmarkFiles.Row r = rows.get(rnd.nextInt(rows.size()));
                String g = file.equals("minerva_math.jsonl") ? BenchmarkGoldTest.lastBox(r.gold()) : r.gold();
                golds.add(new String[] {file, g});
            }
        }
        for (BenchmarkFiles.Row r : BenchmarkFiles.rows("aqua.jsonl").subList(0, 60)) {
            golds.add(new String[] {"aqua.jsonl", r.gold()});
        }
        List<String> lines = new ArrayList<>();
        for (String[] fg : golds) {
            String gold = fg[1];
            String other = golds.get(rnd.nextInt(golds.size()))[1];
            ObjectNode row = JSON.createObjectNode();
            row.put("source", fg[0]);
            row.put("gold", gold);
            String style;
            String pred;
            String expect;
            if (fg[0].equals("aqua.jsonl")) {
                char letter = rnd.nextBoolean() ? gold.charAt(0) : (char) ('A' + rnd.nextInt(5));
                style = "choice";
                expect = letter == gold.charAt(0) ? "match" : "mismatch";
                pred = reasoning(rnd, 2)
                        + (rnd.nextBoolean() ? " The answer is (" + letter + ")." : " $\\boxed{" + letter + "}$");
            } else {
                int k = rnd.nextInt(100);
                String plain = gold.replaceAll("(?<!\\\\)\\$", "");
                if (k < 30) {
                    style = "boxed_correct";
                    expect = "match";
                    pred = reasoning(rnd, 3 + rnd.nextInt(4)) + " Therefore, the answer is $\\boxed{" + plain + "}$.";
                } else if (k < 45) {
                    style = "boxed_equivalent";
                    expect = "match";
                    pred = reasoning(rnd, 3) + " So we get $\\boxed{" + equivalent(plain, rnd) + "}$.";
                } else if (k < 65) {
                    style = "boxed_wrong";
                    expect = "mismatch";
                    pred = reasoning(rnd, 3 + rnd.nextInt(3)) + " The answer is $\\boxed{" + wrong(plain, other, rnd)
                            + "}$.";
                } else if (k < 77) {
                    style = "think_then_answer";
                    String thinking = "<think>\n" + reasoning(rnd, 6) + "\nWait, let me double check. "
                            + reasoning(rnd, 2) + "\n</think>\n\nThe final answer is $\\boxed{";
                    boolean right = rnd.nextInt(4) != 0; // drawn after the reasoning: the file stays the same
                    expect = right ? "match" : "mismatch";
                    pred = thinking + (right ? plain : wrong(plain, other, rnd)) + "}$";
                } else if (k < 85) {
                    style = "truncated";
                    expect = "no_answer";
                    pred = rnd.nextBoolean()
                            ? "<think>\n" + reasoning(rnd, 8) + " so far we have " + plain
                            : reasoning(rnd, 5) + " We get " + plain + " as an intermediate value and now";
                } else if (k < 93) {
                    style = "minerva_sentence";
                    expect = "match";
                    pred = reasoning(rnd, 3) + "\nFinal Answer: The final answer is $" + plain
                            + "$. I hope it is correct.";
                } else {
                    style = "answer_colon";
                    expect = "match";
                    pred = reasoning(rnd, 2) + "\n\n**Answer:** $"
                            + (rnd.nextBoolean() ? plain : equivalent(plain, rnd)) + "$";
                }
            }
            row.put("style", style);
            row.put("expect", expect);
            row.put("pred", pred);
            lines.add(JSON.writeValueAsString(row));
        }
        Files.createDirectories(out.getParent());
        Files.write(out, lines, StandardCharsets.UTF_8);
        System.out.println("wrote " + lines.size() + " lines, " + Files.size(out) + " bytes to " + out);
    }

    private static String reasoning(Random rnd, int steps) {
        StringBuilder b = new StringBuilder(OPENERS[rnd.nextInt(OPENERS.length)]);
        for (int i = 0; i < steps; i++) {
            String fmt = STEPS[rnd.nextInt(STEPS.length)];
            Object[] nums = new Object[4];
            for (int j = 0; j < nums.length; j++) {
                nums[j] = rnd.nextInt(200);
            }
            b.append(' ').append(String.format(fmt, nums));
        }
        return b.toString();
    }

    /** The same value written differently. */
    private static String equivalent(String gold, Random rnd) {
        if (INTEGER.matcher(gold).matches()) {
            long n = Long.parseLong(gold);
            switch (rnd.nextInt(5)) {
                case 0:
                    return String.format(java.util.Locale.ROOT, "%,d", n);
                case 1:
                    return n + ".0";
                case 2:
                    return "\\frac{" + (2 * n) + "}{2}";
                case 3:
                    return "x = " + n;
                default:
                    return n + " \\text{ units}";
            }
        }
        var m = SIMPLE_FRAC.matcher(gold);
        if (m.matches()) {
            long p = Long.parseLong(m.group(2));
            long q = Long.parseLong(m.group(3));
            switch (rnd.nextInt(3)) {
                case 0:
                    return m.group(1) + p + "/" + q;
                case 1:
                    return m.group(1) + "\\dfrac{" + (3 * p) + "}{" + (3 * q) + "}";
                default:
                    return String.format(java.util.Locale.ROOT, "%s%.6f", m.group(1), (double) p / q);
            }
        }
        boolean bracketed = gold.startsWith("(") || gold.startsWith("[") || gold.contains(",");
        return rnd.nextBoolean() || bracketed ? gold.replace(" ", "") : "\\left(" + gold + "\\right)";
    }

    private static String wrong(String gold, String other, Random rnd) {
        if (INTEGER.matcher(gold).matches()) {
            long n = Long.parseLong(gold);
            return String.valueOf(rnd.nextBoolean() ? n + 1 + rnd.nextInt(9) : 2 * n + 3);
        }
        return other.equals(gold) ? gold + "+1" : other.replaceAll("(?<!\\\\)\\$", "");
    }
}
