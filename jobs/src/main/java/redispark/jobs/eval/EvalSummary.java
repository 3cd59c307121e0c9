package redispark.jobs.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import redispark.verify.MathVerifier;

/** {@code eval/summary.json}: every model's scores per benchmark, the accuracy curve and the settings used. */
public final class EvalSummary {
    public static final String SUMMARY = "eval/summary.json";
    /** Key of the accuracy curve: model → step → benchmark → score, for the models saved along the way. */
    public static final String CHECKPOINTS = "checkpoints";

    private EvalSummary() {}

    /**
     * @param scores model → benchmark → score
     * @param curve model → step → benchmark → score (empty: no models saved along the way)
     * @param hashes model → content hash of its folder
     */
    public static Map<String, Object> of(
            Map<String, Object> scores,
            Map<String, Object> curve,
            List<String> skipped,
            EvalConfig config,
            Map<String, String> hashes) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("models", scores);
        if (!curve.isEmpty()) {
            summary.put(CHECKPOINTS, curve);
        }
        if (!skipped.isEmpty()) {
            summary.put("skipped_models", skipped);
        }
        EvalConfig.Sampling s = config.sampling();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("samples", s.samples());
        settings.put("temperature", s.temperature());
        settings.put("top_p", s.topP());
        settings.put("max_new_tokens", s.maxNewTokens());
        settings.put("seed", s.seed());
        boolean served = config.backend() == EvalConfig.Backend.OPENAI;
        settings.put("backend", config.backend().name().toLowerCase(Locale.ROOT));
        settings.put(
                "prompt",
                (served ? "the server's chat template" : "each model's chat template (tokenizer_config.json)")
                        + "; benchmark problems wrapped in eval.instruction, synthetic problems bare");
        settings.put("instruction", config.instruction());
        settings.put("verifier", "redispark.verify.MathVerifier v" + MathVerifier.VERSION);
        if (served) {
            Map<String, Object> servedModels = new LinkedHashMap<>();
            config.served().forEach((name, server) -> servedModels.put(name, server.model()));
            settings.put("base_url", config.served().values().iterator().next().baseUrl());
            settings.put("served_models", servedModels);
        } else {
            settings.put("model_sha256", hashes);
        }
        summary.put("settings", settings);
        return summary;
    }
}
