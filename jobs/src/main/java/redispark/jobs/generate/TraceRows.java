package redispark.jobs.generate;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.Function;
import org.apache.spark.sql.Row;
import redispark.jobs.table.GenerationWorkFrame;
import redispark.jobs.table.TracesTable;
import redispark.teacher.Problem;

/** Rows between the stage and the samplers: the work of one problem in, trace rows out. */
final class TraceRows {
    private TraceRows() {}

    /** A {@link GenerationWorkFrame} row, read. */
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
        return new Work(GenerationWorkFrame.problem(r), GenerationWorkFrame.missing(r));
    }

    /** Error rows for every index of {@code indices}. */
    static List<Row> errors(Work w, String teacher, String error, String generationConfig) {
        List<Row> out = new ArrayList<>(w.missing().size());
        for (int i : w.missing()) {
            out.add(TracesTable.sampled(w.problem(), i, teacher, "", null, null, null, error, generationConfig));
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
