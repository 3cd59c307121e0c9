/**
 * The OpenAI-compatible client and teacher. {@link redispark.teacher.openai.OpenAiClient} sends {@code
 * /v1/chat/completions} or {@code /v1/completions} requests to a server (vLLM, SGLang, llama.cpp, OpenAI,
 * DeepSeek, ...) with retries, back-off, a per-JVM concurrency limit, a response size cap and the API key, configured
 * by {@link redispark.teacher.openai.OpenAiClientConfig}; the teacher and the evaluation of served models both use
 * it. {@link redispark.teacher.openai.OpenAiTeacher} asks it for reasoning traces, with follow-up requests for
 * missing choices, rerun-safe sample indices and per-sample token usage ({@link
 * redispark.teacher.openai.OpenAiSample}), configured by {@link redispark.teacher.openai.OpenAiTeacherConfig}. JDK
 * HTTP client and Jackson only; no Spark.
 */
package redispark.teacher.openai;
