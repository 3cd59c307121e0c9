package redispark.verify;

import java.util.List;

/** Developer tool (not a test): prints what each gold of a benchmark file parses into. */
public final class GoldDump {

    private GoldDump() {}

    public static void main(String[] args) {
        for (String file : args) {
            List<BenchmarkFiles.Row> rows = BenchmarkFiles.rows(file);
            for (BenchmarkFiles.Row r : rows) {
                String g = file.equals("minerva_math.jsonl") ? BenchmarkGoldTest.lastBox(r.gold()) : r.gold();
                String shown;
                try {
                    shown = MathVerifier.parseGold(r.gold()).toString();
                } catch (RuntimeException e) {
                    shown = "ERROR " + e.getMessage();
                }
                System.out.println(file + ":" + r.line() + "\t" + g.replace("\n", " ") + "\t=> " + shown);
            }
        }
    }
}
