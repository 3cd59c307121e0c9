/**
 * The OpenAI-compatible teacher: {@link redispark.teacher.openai.OpenAiTeacher} asks a {@code
 * /v1/chat/completions} or {@code /v1/completions} server (vLLM, SGLang, llama.cpp, OpenAI, DeepSeek, ...)
 * for reasoning traces, with retries, a per-JVM concurrency limit, follow-up requests for missing choices,
 * rerun-safe sample indices and per-sample token usage ({@link redispark.teacher.openai.OpenAiSample}).
 * Configured by the {@link redispark.teacher.openai.OpenAiTeacherConfig} record. JDK HTTP client and
 * Jackson only; no Spark.
 */
package redispark.teacher.openai;
