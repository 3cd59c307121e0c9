/**
 * The student model: {@link redispark.model.ModelConfig} (HF config.json), {@link redispark.model.Qwen2Model} (one
 * file: RMSNorm, RoPE, GQA attention, SwiGLU, layer, model; fp32 DJL weights with HF names),
 * {@link redispark.model.Safetensors} (validated reader/writer, BF16/F16 widened in Java), {@link
 * redispark.model.LogProbs}, {@link redispark.model.Sampler} (continuous batching over a preallocated KV cache, token
 * choice on the engine), {@link redispark.model.TinyStudent} (the
 * embedded default student), and the long-sequence training path: {@link redispark.model.LayerKernel} (one compiled
 * TorchScript call per decoder layer, packed by {@link redispark.model.KernelArchive}) and
 * {@link redispark.model.KernelPath} (per-layer recompute, chunked log-probs).
 *
 * <p>Memory recipe: run each step in {@code root.newSubManager()} plus an {@code NDScope}, put the
 * batch operand first, close {@code getGradient()} wrappers, update weights outside the scope. Autograd is
 * per-thread: {@code JniUtils.setGradMode(true)} then {@code JniUtils.backward(loss, ones, false, false)}.
 */
package redispark.model;
