package redispark.jobs.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.apache.hadoop.fs.FileSystem;
import redispark.jobs.run.HadoopFiles;
import redispark.train.Checkpoints;
import redispark.train.TrainerState;

/**
 * The resumable checkpoints of one training stage: the newest at {@code <uri>}, the one before at
 * {@code <uri>.prev} (the last two are kept, so a failure while the newest is being replaced still leaves one).
 * Each is published whole (staging copy, then renames); a reader takes the newest complete one.
 */
public final class ResumeCheckpoints {
    private ResumeCheckpoints() {}

    static String previous(String uri) {
        return uri + ".prev";
    }

    /** Publishes a local checkpoint folder as the newest; the newest so far becomes the previous one. */
    public static void publish(HadoopFiles files, Path checkpoint, String uri) {
        FileSystem fs = files.fs(uri);
        org.apache.hadoop.fs.Path newest = new org.apache.hadoop.fs.Path(uri);
        org.apache.hadoop.fs.Path prev = new org.apache.hadoop.fs.Path(previous(uri));
        try {
            if (fs.exists(newest)) {
                fs.delete(prev, true);
                if (!fs.rename(newest, prev)) {
                    throw new IOException("cannot rename " + newest + " to " + prev);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the previous checkpoint " + uri, e);
        }
        files.publishDirectory(checkpoint, uri);
    }

    /** The newest complete checkpoint (by step) of the two, or null when there is none. */
    public static String newest(HadoopFiles files, String uri) {
        String best = null;
        int bestStep = -1;
        for (String candidate : new String[] {uri, previous(uri)}) {
            String state = candidate + "/" + Checkpoints.TRAINER_STATE;
            if (!files.exists(state)
                    || !files.exists(candidate + "/" + Checkpoints.OPTIMIZER)
                    || !files.exists(candidate + "/config.json")) {
                continue;
            }
            int step = TrainerState.fromJson(files.readText(state)).globalStep();
            if (step > bestStep) {
                best = candidate;
                bestStep = step;
            }
        }
        return best;
    }

    /**
     * A private local copy of the checkpoint of {@code step}: the newest or, if rank 0 of a dying attempt rotated
     * it meanwhile, the previous one. Retries for a few seconds, since a rotation may be under way while it looks.
     */
    public static Path fetch(HadoopFiles files, String uri, int step) {
        RuntimeException last = null;
        for (int attempt = 0; attempt < 40; attempt++) {
            for (String candidate : new String[] {uri, previous(uri)}) {
                try {
                    String state = candidate + "/" + Checkpoints.TRAINER_STATE;
                    if (!files.exists(state)
                            || TrainerState.fromJson(files.readText(state)).globalStep() != step) {
                        continue;
                    }
                    Path local = java.nio.file.Files.createTempDirectory("redi-resume")
                            .resolve("checkpoint");
                    FileSystem fs = files.fs(candidate);
                    fs.copyToLocalFile(
                            false,
                            new org.apache.hadoop.fs.Path(candidate),
                            new org.apache.hadoop.fs.Path(local.toUri()),
                            true);
                    if (Checkpoints.resumable(local) && Checkpoints.state(local).globalStep() == step) {
                        return local;
                    }
                } catch (IOException | RuntimeException e) {
                    last = e instanceof RuntimeException re ? re : new UncheckedIOException((IOException) e);
                }
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while fetching checkpoint step " + step, e);
            }
        }
        throw new IllegalStateException("the checkpoint of step " + step + " is gone from " + uri, last);
    }

    /** The step of the checkpoint at {@code dir}. */
    public static int step(HadoopFiles files, String dir) {
        return TrainerState.fromJson(files.readText(dir + "/" + Checkpoints.TRAINER_STATE))
                .globalStep();
    }

    public static void clear(HadoopFiles files, String uri) {
        files.delete(uri);
        files.delete(previous(uri));
    }
}
