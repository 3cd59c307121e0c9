package redispark.jobs.split;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import redispark.jobs.run.HadoopFiles;
import redispark.jobs.table.MeasuredTracesFrame;
import redispark.jobs.table.TracesTable;
import redispark.text.ChatTemplate;
import redispark.text.TextTokenizer;
import redispark.train.Admission;

/** The token lengths of labelled traces as training will see them, measured on the executors. */
public final class TokenLengths {
    private TokenLengths() {}

    /**
     * The {@link MeasuredTracesFrame} of labelled traces: their token lengths as training will see them
     * ({@link Admission#tokenize} with no length cap: chat template, EOS), or the admission reason when training would
     * refuse the trace whatever its length (empty completion, a completion the template refuses).
     */
    public static Dataset<Row> of(Dataset<Row> labeled, HadoopFiles files, String baseUri) {
        Dataset<Row> input = labeled.drop(MeasuredTracesFrame.PROMPT_TOKENS, MeasuredTracesFrame.COMPLETION_TOKENS);
        StructType outSchema = MeasuredTracesFrame.schema(input.schema());
        MapPartitionsFunction<Row, Row> measure = rows -> {
            Path dir = files.localDirectory(baseUri);
            List<Row> out = new ArrayList<>();
            try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
                ChatTemplate template = ChatTemplate.load(dir);
                while (rows.hasNext()) {
                    Row r = rows.next();
                    Admission.Tokenized t = Admission.tokenize(
                            r.getAs(TracesTable.PROBLEM_ID),
                            r.getAs(TracesTable.PROBLEM),
                            r.getAs(TracesTable.TEXT),
                            tokenizer,
                            template,
                            Integer.MAX_VALUE);
                    Object[] values = new Object[outSchema.size()];
                    for (int i = 0; i < r.size(); i++) {
                        values[i] = r.get(i);
                    }
                    if (t.ok()) {
                        values[outSchema.fieldIndex(MeasuredTracesFrame.PROMPT_TOKENS)] =
                                t.example().promptLength();
                        values[outSchema.fieldIndex(MeasuredTracesFrame.COMPLETION_TOKENS)] =
                                t.example().completionLength();
                    } else {
                        values[outSchema.fieldIndex(MeasuredTracesFrame.ADMISSION_REASON)] = t.reason();
                    }
                    out.add(RowFactory.create(values));
                }
            }
            return out.iterator();
        };
        return input.mapPartitions(measure, Encoders.row(outSchema));
    }
}
