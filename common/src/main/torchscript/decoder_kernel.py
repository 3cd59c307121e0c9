# The Qwen2 decoder layer and the LM-head log-prob as one TorchScript module, compiled by libtorch when the
# archive is loaded (redispark.model.LayerKernel). It is stateless: the fp32 master weights come in as arguments, so
# the optimizer, checkpoints and the all-reduce keep working on fp32 DJL arrays and autograd reaches them through
# the casts below.
#
# Written the way torch writes code/__torch__.py: only torch.* / aten ops, dtypes as ScalarType codes (6 = float32,
# 15 = bfloat16), sizes taken from the argument shapes. Every public method returns float32; bfloat16 exists only
# inside a call.
#
# Letters: B batch, T tokens, D hidden, H query heads, K key/value heads, E head size, V vocabulary, N tokens of a
# log-prob chunk.
class Kernel(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  # One pre-norm decoder layer in float32: x (B, T, D) -> (B, T, D); cos/sin (B or 1, 1, T, E); eps 0-d.
  def forward(self: __torch__.Kernel, x: Tensor, q_w: Tensor, q_b: Tensor, k_w: Tensor, k_b: Tensor,
      v_w: Tensor, v_b: Tensor, o_w: Tensor, gate_w: Tensor, up_w: Tensor, down_w: Tensor, input_norm: Tensor,
      post_norm: Tensor, cos: Tensor, sin: Tensor, eps: Tensor) -> Tensor:
    return (self)._layer(x, q_w, q_b, k_w, k_b, v_w, v_b, o_w, gate_w, up_w, down_w, input_norm, post_norm,
        cos, sin, eps, 6)
  # The same layer with bfloat16 matmuls and attention; norms, residuals and the result stay float32.
  def layer_bf16(self: __torch__.Kernel, x: Tensor, q_w: Tensor, q_b: Tensor, k_w: Tensor, k_b: Tensor,
      v_w: Tensor, v_b: Tensor, o_w: Tensor, gate_w: Tensor, up_w: Tensor, down_w: Tensor, input_norm: Tensor,
      post_norm: Tensor, cos: Tensor, sin: Tensor, eps: Tensor) -> Tensor:
    return (self)._layer(x, q_w, q_b, k_w, k_b, v_w, v_b, o_w, gate_w, up_w, down_w, input_norm, post_norm,
        cos, sin, eps, 15)
  # Final RMSNorm, LM head and log-softmax at the labels: x (N, D), labels (N) int64 -> log-probs (N) float32.
  # No autograd through it (see _head).
  def head_logp(self: __torch__.Kernel, x: Tensor, norm: Tensor, lm_w: Tensor, labels: Tensor,
      eps: Tensor) -> Tensor:
    return (self)._head(x, norm, lm_w, labels, eps, 6)
  def head_logp_bf16(self: __torch__.Kernel, x: Tensor, norm: Tensor, lm_w: Tensor, labels: Tensor,
      eps: Tensor) -> Tensor:
    return (self)._head(x, norm, lm_w, labels, eps, 15)
  # The head's forward and backward in one call, without autograd (call it with grad mode off): for
  # L = sum(weights * logp) it returns logp (N), dL/d(normed x) (N, D) and dL/d lm_w (V, D), all float32. One (N, V)
  # buffer holds the logits, then the softmax, then dL/dlogits = weights * (onehot(labels) - softmax), in place.
  def head_grad(self: __torch__.Kernel, x: Tensor, norm: Tensor, lm_w: Tensor, labels: Tensor, weights: Tensor,
      eps: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
    return (self)._head_grad(x, norm, lm_w, labels, weights, eps, 6)
  def head_grad_bf16(self: __torch__.Kernel, x: Tensor, norm: Tensor, lm_w: Tensor, labels: Tensor,
      weights: Tensor, eps: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
    return (self)._head_grad(x, norm, lm_w, labels, weights, eps, 15)
  # Final RMSNorm alone, float32: x (..., D) -> (..., D).
  def final_norm(self: __torch__.Kernel, x: Tensor, norm: Tensor, eps: Tensor) -> Tensor:
    return (self)._rms_norm(x, norm, eps)
  # x / sqrt(mean(x^2) + eps) * w, in float32 (the same expression as the eager model).
  def _rms_norm(self: __torch__.Kernel, x: Tensor, w: Tensor, eps: Tensor) -> Tensor:
    variance = torch.mean(torch.mul(x, x), [-1], True)
    return torch.mul(torch.div(x, torch.sqrt(torch.add(variance, eps))), w)
  # x * cos + rotate_half(x) * sin, with rotate_half(x) = cat(-x2, x1); x (B, N, T, E).
  def _rope(self: __torch__.Kernel, x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    half = torch.floordiv(x.size(-1), 2)
    x1 = torch.slice(x, -1, 0, half)
    x2 = torch.slice(x, -1, half)
    rotated = torch.cat([torch.neg(x2), x1], -1)
    return torch.add(torch.mul(x, cos), torch.mul(rotated, sin))
  def _layer(self: __torch__.Kernel, x: Tensor, q_w: Tensor, q_b: Tensor, k_w: Tensor, k_b: Tensor,
      v_w: Tensor, v_b: Tensor, o_w: Tensor, gate_w: Tensor, up_w: Tensor, down_w: Tensor, input_norm: Tensor,
      post_norm: Tensor, cos: Tensor, sin: Tensor, eps: Tensor, dt: int) -> Tensor:
    b = x.size(0)
    t = x.size(1)
    e = cos.size(-1)
    nh = torch.floordiv(q_w.size(0), e)
    nk = torch.floordiv(k_w.size(0), e)
    h = torch.to(self._rms_norm(x, input_norm, eps), dt)
    q = torch.transpose(torch.view(torch.linear(h, torch.to(q_w, dt), torch.to(q_b, dt)), [b, t, nh, e]), 1, 2)
    k = torch.transpose(torch.view(torch.linear(h, torch.to(k_w, dt), torch.to(k_b, dt)), [b, t, nk, e]), 1, 2)
    v = torch.transpose(torch.view(torch.linear(h, torch.to(v_w, dt), torch.to(v_b, dt)), [b, t, nk, e]), 1, 2)
    c = torch.to(cos, dt)
    s = torch.to(sin, dt)
    q = (self)._rope(q, c, s)
    k = (self)._rope(k, c, s)
    if nk != nh:
      # query head i reads key/value head i // (H / K), the pairing of the eager model and of HF's repeat_kv
      k = torch.repeat_interleave(k, torch.floordiv(nh, nk), 1)
      v = torch.repeat_interleave(v, torch.floordiv(nh, nk), 1)
    a = torch.scaled_dot_product_attention(q, k, v, None, 0.0, True)
    a = torch.reshape(torch.transpose(a, 1, 2), [b, t, torch.mul(nh, e)])
    x = torch.add(x, torch.to(torch.linear(a, torch.to(o_w, dt)), 6))
    h = torch.to(self._rms_norm(x, post_norm, eps), dt)
    gate = torch.linear(h, torch.to(gate_w, dt))
    up = torch.linear(h, torch.to(up_w, dt))
    down = torch.linear(torch.mul(torch.silu(gate), up), torch.to(down_w, dt))
    return torch.add(x, torch.to(down, 6))
  # In place on the one (N, V) buffer, so call it with grad mode off (head_grad is the differentiable variant).
  def _head(self: __torch__.Kernel, x: Tensor, norm: Tensor, lm_w: Tensor, labels: Tensor, eps: Tensor,
      dt: int) -> Tensor:
    h = torch.to(self._rms_norm(x, norm, eps), dt)
    g = torch.to(torch.linear(h, torch.to(lm_w, dt)), 6)
    picked = torch.gather(g, -1, torch.unsqueeze(labels, -1))
    top = torch.amax(g, [-1], True)
    total = torch.sum(torch.exp_(torch.sub_(g, top)), [-1], True)
    return torch.squeeze(torch.sub(torch.sub(picked, top), torch.log(total)), -1)
  def _head_grad(self: __torch__.Kernel, x: Tensor, norm: Tensor, lm_w: Tensor, labels: Tensor, weights: Tensor,
      eps: Tensor, dt: int) -> Tuple[Tensor, Tensor, Tensor]:
    h = torch.to(self._rms_norm(x, norm, eps), dt)
    w = torch.to(lm_w, dt)
    g = torch.to(torch.linear(h, w), 6)
    index = torch.unsqueeze(labels, -1)
    picked = torch.gather(g, -1, index)
    top = torch.amax(g, [-1], True)
    # one exp pass: exp(logits - max) in place, its row sum gives log-sum-exp, dividing gives the softmax
    g = torch.exp_(torch.sub_(g, top))
    total = torch.sum(g, [-1], True)
    logp = torch.squeeze(torch.sub(torch.sub(picked, top), torch.log(total)), -1)
    g = torch.div_(g, total)
    column = torch.unsqueeze(weights, -1)
    g = torch.scatter_add_(torch.mul_(g, torch.neg(column)), -1, index, column)
    gd = torch.to(g, dt)
    d_normed = torch.to(torch.matmul(gd, w), 6)
    d_lm_w = torch.to(torch.matmul(torch.t(gd), h), 6)
    return (logp, d_normed, d_lm_w)
  # Host staging (redispark.model.HostStaging): a float32 host buffer of `size` (0-d int64) elements, page-locked
  # when `pin` (0-d int64, 1 = yes; needs CUDA) so copies to and from a GPU run at the link's full rate. Called
  # outside inference mode, so the buffer is a normal tensor that slice assignments may write.
  def host_buffer(self: __torch__.Kernel, size: Tensor, pin: Tensor) -> Tensor:
    return torch.empty([int(size)], dtype=6, layout=None, device=torch.device("cpu"), pin_memory=bool(pin))
