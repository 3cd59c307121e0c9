package redispark.jobs.generate;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import redispark.teacher.openai.OpenAiTeacher;
import redispark.teacher.openai.OpenAiTeacherConfig;

/**
 * One {@link OpenAiTeacher} per executor JVM and config: every task of the executor shares it, so its semaphore
 * ({@code teacher.openai.max-concurrency}) bounds the requests in flight from the whole executor.
 */
final class OpenAiTeachers {
    private static final ConcurrentMap<OpenAiTeacherConfig, OpenAiTeacher> SHARED = new ConcurrentHashMap<>();

    private OpenAiTeachers() {}

    static OpenAiTeacher shared(OpenAiTeacherConfig config) {
        return SHARED.computeIfAbsent(config, OpenAiTeacher::new);
    }
}
