package redispark.jobs.generate;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Row;
import redispark.jobs.run.HadoopFiles;
import redispark.jobs.table.TracesTable;
import redispark.teacher.LocalModelTeacher;

/** The local-model teacher: one model per partition (loaded on first use, closed when the task ends). */
record LocalSampler(GenerateConfig.Local local, int samples, long seed, String generationConfig, HadoopFiles files)
        implements TraceSampler {

    @Override
    public Iterator<Row> sample(Iterator<Row> work) {
        if (!work.hasNext()) {
            return Collections.emptyIterator();
        }
        LocalModelTeacher teacher = LocalModelTeacher.load(files.localDirectory(local.modelDir()), local.settings());
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> teacher.close());
        }
        return TraceRows.flatMap(work, r -> {
            TraceRows.Work w = TraceRows.work(r);
            List<Row> out = new ArrayList<>(w.missing().size());
            for (LocalModelTeacher.Sample s : teacher.sampleWithUsage(w.problem(), samples, seed, w.done(samples))) {
                out.add(TracesTable.sampled(
                        w.problem(),
                        s.sample().sampleIdx(),
                        teacher.name(),
                        s.sample().text(),
                        s.sample().finishReason(),
                        s.promptTokens(),
                        s.completionTokens(),
                        s.sample().error(),
                        generationConfig));
            }
            return out;
        });
    }
}
