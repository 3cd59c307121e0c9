package redispark.jobs.generate;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Row;
import redispark.jobs.table.TracesTable;
import redispark.teacher.openai.OpenAiSample;
import redispark.teacher.openai.OpenAiTeacher;

/**
 * The OpenAI-compatible teacher from a Spark task: the executor's shared {@link OpenAiTeacher} (whose semaphore is
 * the per-executor request limit), with the task's problems fanned out over {@code threads-per-task} threads so the
 * limit is actually used. Rows come out in input order, at most {@code threads-per-task} problems in flight; each
 * problem's future is joined with {@code problem-timeout}, after which its missing samples become error rows.
 */
record OpenAiSampler(GenerateConfig.OpenAi openai, int samples, long seed, String generationConfig)
        implements TraceSampler {

    private static final AtomicInteger POOLS = new AtomicInteger();

    @Override
    public Iterator<Row> sample(Iterator<Row> work) {
        if (!work.hasNext()) {
            return Collections.emptyIterator();
        }
        OpenAiTeacher teacher = OpenAiTeachers.shared(openai.config());
        ExecutorService pool = Executors.newFixedThreadPool(openai.threadsPerTask(), threads());
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> pool.shutdownNow());
        }
        return new Ordered(work, teacher, pool);
    }

    private static ThreadFactory threads() {
        int pool = POOLS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "redi-openai-" + pool + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private record Pending(TraceRows.Work work, Future<List<OpenAiSample>> future, long deadlineNanos) {}

    /** Keeps up to threads-per-task problems submitted and hands out their rows in input order. */
    private final class Ordered implements Iterator<Row> {
        private final Iterator<Row> work;
        private final OpenAiTeacher teacher;
        private final ExecutorService pool;
        private final Deque<Pending> pending = new ArrayDeque<>();
        private Iterator<Row> current = Collections.emptyIterator();

        Ordered(Iterator<Row> work, OpenAiTeacher teacher, ExecutorService pool) {
            this.work = work;
            this.teacher = teacher;
            this.pool = pool;
        }

        @Override
        public boolean hasNext() {
            while (!current.hasNext()) {
                fill();
                if (pending.isEmpty()) {
                    pool.shutdown();
                    return false;
                }
                current = join(pending.removeFirst()).iterator();
            }
            return true;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return current.next();
        }

        private void fill() {
            while (pending.size() < openai.threadsPerTask() && work.hasNext()) {
                TraceRows.Work w = TraceRows.work(work.next());
                Future<List<OpenAiSample>> f =
                        pool.submit(() -> teacher.sampleWithUsage(w.problem(), samples, seed, w.done(samples)));
                pending.addLast(new Pending(
                        w, f, System.nanoTime() + openai.problemTimeout().toNanos()));
            }
        }

        private List<Row> join(Pending p) {
            TraceRows.Work w = p.work();
            List<OpenAiSample> got;
            try {
                got = p.future().get(Math.max(0, p.deadlineNanos() - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                p.future().cancel(true);
                return TraceRows.errors(
                        w,
                        teacher.name(),
                        "no answer within teacher.openai.problem-timeout (" + human(openai.problemTimeout()) + ")",
                        generationConfig);
            } catch (ExecutionException | CancellationException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                return TraceRows.errors(w, teacher.name(), "internal error: " + cause, generationConfig);
            } catch (InterruptedException e) {
                // The task is being killed: stop the pool and let Spark see the interrupt.
                Thread.currentThread().interrupt();
                pool.shutdownNow();
                throw new IllegalStateException("interrupted while waiting for the teacher", e);
            }
            List<Row> out = new ArrayList<>(got.size());
            for (OpenAiSample s : got) {
                out.add(TracesTable.sampled(
                        w.problem(),
                        s.sampleIdx(),
                        teacher.name(),
                        s.sample().text(),
                        s.sample().finishReason(),
                        s.promptTokens(),
                        s.completionTokens(),
                        s.sample().error(),
                        generationConfig));
            }
            return out;
        }
    }

    private static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
