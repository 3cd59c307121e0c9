package redispark.jobs.generate;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Row;
import redispark.jobs.table.TracesTable;
import redispark.teacher.BuiltInTeacher;
import redispark.teacher.ErrorModel;
import redispark.teacher.TeacherSample;

/** The built-in teacher: sample {@code i} of a problem depends only on (problem, i, seed), so any subset is cheap. */
record BuiltInSampler(ErrorModel errorModel, long seed, String generationConfig) implements TraceSampler {

    @Override
    public Iterator<Row> sample(Iterator<Row> work) {
        BuiltInTeacher teacher = new BuiltInTeacher(errorModel);
        return TraceRows.flatMap(work, r -> {
            TraceRows.Work w = TraceRows.work(r);
            List<Row> out = new ArrayList<>(w.missing().size());
            for (int i : w.missing()) {
                TeacherSample s = teacher.trace(w.problem(), i, seed).sample();
                out.add(TracesTable.sampled(
                        w.problem(),
                        i,
                        teacher.name(),
                        s.text(),
                        s.finishReason(),
                        null,
                        null,
                        s.error(),
                        generationConfig));
            }
            return out;
        });
    }
}
