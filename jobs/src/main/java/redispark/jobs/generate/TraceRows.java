package redispark.jobs.generate;

import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;
import static org.apache.spark.sql.types.DataTypes.createStructField;
import static org.apache.spark.sql.types.DataTypes.createStructType;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.Function;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import redispark.teacher.Problem;

/** Rows between the stage and the samplers: the work of one problem in, trace rows out. */
final class TraceRows {
    private TraceRows() {}

    /** One problem and the sample indices it still needs. */
    static final StructType WORK = createStructType(List.of(
            createStructField("problem_id", StringType, false),
            createStructField("problem", StringType, false),
            createStructField("gold", StringType, false),
            createStructField("source", StringType, false),
            createStructField("difficulty", IntegerType, false),
            createStructField("missing", createArrayType(IntegerType, false), false)));

    /** A work row, read. */
    record Work(Problem problem, List<Integer> missing) {
        /** Indices in {@code 0..n-1} that are not missing (already stored). */
        Set<Integer> done(int n) {
            Set<Integer> done = new HashSet<>();
            for (int i = 0; i < n; i++) {
                done.add(i);
            }
            done.removeAll(missing);
            return done;
        }
    }

    static Work work(Row r) {
        Problem p = new Problem(r.getString(0), r.getString(1), r.getString(2), r.getString(3), r.getInt(4));
        return new Work(p, r.getList(5));
    }

    /** A {@link redispark.jobs.spark.SparkSchemas#TRACES} row of a sampling teacher (no OpenR1 labels). */
    static Row trace(
            Problem p,
            int sampleIdx,
            String teacher,
            String text,
            String finishReason,
            Integer promptTokens,
            Integer completionTokens,
            String error,
            String generationConfig) {
        return RowFactory.create(
                p.problemId(),
                sampleIdx,
                p.problem(),
                p.gold(),
                p.source(),
                p.difficulty(),
                teacher,
                text,
                error == null ? finishReason : null,
                promptTokens,
                completionTokens,
                error,
                generationConfig,
                null,
                null,
                null);
    }

    /** Error rows for every index of {@code indices}. */
    static List<Row> errors(Work w, String teacher, String error, String generationConfig) {
        List<Row> out = new ArrayList<>(w.missing().size());
        for (int i : w.missing()) {
            out.add(trace(w.problem(), i, teacher, "", null, null, null, error, generationConfig));
        }
        return out;
    }

    /** Lazily maps each input to a list of outputs and concatenates them. */
    static <T, R> Iterator<R> flatMap(Iterator<T> in, Function<T, List<R>> f) {
        return new Iterator<>() {
            private Iterator<R> current = java.util.Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && in.hasNext()) {
                    current = f.apply(in.next()).iterator();
                }
                return current.hasNext();
            }

            @Override
            public R next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
    }
}
