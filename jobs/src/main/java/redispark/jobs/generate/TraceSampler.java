package redispark.jobs.generate;

import java.io.Serializable;
import java.util.Iterator;
import org.apache.spark.sql.Row;

/**
 * Runs on an executor: turns one partition of {@link redispark.jobs.table.GenerationWorkFrame} rows (a problem and its missing sample
 * indices) into {@link redispark.jobs.table.TracesTable} rows, exactly one per missing index: a sample, or
 * a row with {@code error} set. Never drops an index and never throws for a failed request.
 */
interface TraceSampler extends Serializable {

    Iterator<Row> sample(Iterator<Row> work);

    /** Builds the sampler of a sampling teacher (not the openr1 import). */
    static TraceSampler of(GenerateConfig.Teachers t, String generationConfig, redispark.jobs.run.HadoopFiles files) {
        return switch (t.kind()) {
            case BUILTIN -> new BuiltInSampler(t.errorModel(), t.seed(), generationConfig);
            case OPENAI -> new OpenAiSampler(t.openai(), t.samples(), t.seed(), generationConfig);
            case LOCAL -> new LocalSampler(t.local(), t.samples(), t.seed(), generationConfig, files);
            case OPENR1 -> throw new IllegalStateException("openr1 imports traces; it does not sample");
        };
    }
}
