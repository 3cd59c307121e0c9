package redispark.jobs.split;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import redispark.jobs.run.HadoopFiles;
import redispark.text.ChatTemplate;
import redispark.text.TextTokenizer;
import redispark.train.Admission;

/** The token lengths of labelled traces as training will see them, measured on the executors. */
public final class TokenLengths {
    private TokenLengths() {}

    /**
     * Adds {@code prompt_tokens} and {@code completion_tokens} as training will see them ({@link Admission#tokenize}
     * with no length cap: chat template, EOS), or {@code admission_reason} when training would refuse the trace
     * whatever its length (empty completion, a completion the template refuses); the lengths are null then.
     */
    public static Dataset<Row> of(Dataset<Row> labeled, HadoopFiles files, String baseUri) {
        Dataset<Row> input = labeled.drop("prompt_tokens", "completion_tokens");
        StructType outSchema = input.schema()
                .add("prompt_tokens", DataTypes.IntegerType, true)
                .add("completion_tokens", DataTypes.IntegerType, true)
                .add("admission_reason", DataTypes.StringType, true);
        int idCol = input.schema().fieldIndex("problem_id");
        int problemCol = input.schema().fieldIndex("problem");
        int textCol = input.schema().fieldIndex("text");
        MapPartitionsFunction<Row, Row> measure = rows -> {
            Path dir = files.localDirectory(baseUri);
            List<Row> out = new ArrayList<>();
            try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
                ChatTemplate template = ChatTemplate.load(dir);
                while (rows.hasNext()) {
                    Row r = rows.next();
                    Admission.Tokenized t = Admission.tokenize(
                            r.getString(idCol),
                            r.getString(problemCol),
                            r.isNullAt(textCol) ? null : r.getString(textCol),
                            tokenizer,
                            template,
                            Integer.MAX_VALUE);
                    Object[] values = new Object[r.size() + 3];
                    for (int i = 0; i < r.size(); i++) {
                        values[i] = r.get(i);
                    }
                    if (t.ok()) {
                        values[r.size()] = t.example().promptLength();
                        values[r.size() + 1] = t.example().completionLength();
                    } else {
                        values[r.size() + 2] = t.reason();
                    }
                    out.add(RowFactory.create(values));
                }
            }
            return out.iterator();
        };
        return input.mapPartitions(measure, Encoders.row(outSchema));
    }
}
