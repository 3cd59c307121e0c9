# The Qwen2 decoder layer and the LM-head log-prob as one TorchScript module, compiled by libtorch when the
# archive is loaded (redispark.model.LayerKernel). It is stateless: the fp32 master weights come in as arguments, so
# the optimizer, checkpoints and the all-reduce keep working on fp32 DJL arrays and autograd reaches them through
# the casts below.
#
# Written the way torch writes code/__torch__.py: only torch.* / aten ops, dtypes as ScalarType codes (6 = float32,
# 15 = bfloat16), sizes taken from the argument shapes. Every public method returns float32 (the samplers' token ids:
# int64); bfloat16 exists only inside a call.
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
    y, k, v = (self)._layer_kv(x, q_w, q_b, k_w, k_b, v_w, v_b, o_w, gate_w, up_w, down_w, input_norm, post_norm,
        cos, sin, eps, dt)
    return y
  # The layer, also returning its rotated keys and values (B, K, T, E) in the compute type, for the sampler's cache.
  def _layer_kv(self: __torch__.Kernel, x: Tensor, q_w: Tensor, q_b: Tensor, k_w: Tensor, k_b: Tensor,
      v_w: Tensor, v_b: Tensor, o_w: Tensor, gate_w: Tensor, up_w: Tensor, down_w: Tensor, input_norm: Tensor,
      post_norm: Tensor, cos: Tensor, sin: Tensor, eps: Tensor, dt: int) -> Tuple[Tensor, Tensor, Tensor]:
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
    k_new = k
    v_new = v
    if nk != nh:
      # query head i reads key/value head i // (H / K), the pairing of the eager model and of HF's repeat_kv
      k = torch.repeat_interleave(k, torch.floordiv(nh, nk), 1)
      v = torch.repeat_interleave(v, torch.floordiv(nh, nk), 1)
    a = torch.scaled_dot_product_attention(q, k, v, None, 0.0, True)
    a = torch.reshape(torch.transpose(a, 1, 2), [b, t, torch.mul(nh, e)])
    x = torch.add(x, torch.to(torch.linear(a, torch.to(o_w, dt)), 6))
    return ((self)._mlp_block(x, gate_w, up_w, down_w, post_norm, eps, dt), k_new, v_new)
  # x + SwiGLU(RMSNorm(x)): the second half of a layer.
  def _mlp_block(self: __torch__.Kernel, x: Tensor, gate_w: Tensor, up_w: Tensor, down_w: Tensor,
      post_norm: Tensor, eps: Tensor, dt: int) -> Tensor:
    h = torch.to(self._rms_norm(x, post_norm, eps), dt)
    gate = torch.linear(h, torch.to(gate_w, dt))
    up = torch.linear(h, torch.to(up_w, dt))
    down = torch.linear(torch.mul(torch.silu(gate), up), torch.to(down_w, dt))
    return torch.add(x, torch.to(down, 6))
  # ---- Sampling (redispark.model.Sampler), float32, no autograd. The KV cache of a layer is two preallocated
  # (R, K, C, E) float32 tensors (R rows, C positions) written in place; row r holds its sequence at [0, length_r).
  # Prefill of N new rows, right-padded to T tokens: x (N, T, D) -> (N, T, D); writes the rows' keys and values at
  # cache rows `slots` (N) int64, positions [0, T). Padding keys land past a row's length, where decoding overwrites
  # them before any query can see them.
  def prefill_layer(self: __torch__.Kernel, x: Tensor, q_w: Tensor, q_b: Tensor, k_w: Tensor, k_b: Tensor,
      v_w: Tensor, v_b: Tensor, o_w: Tensor, gate_w: Tensor, up_w: Tensor, down_w: Tensor, input_norm: Tensor,
      post_norm: Tensor, cos: Tensor, sin: Tensor, eps: Tensor, k_cache: Tensor, v_cache: Tensor,
      slots: Tensor) -> Tensor:
    y, k, v = (self)._layer_kv(x, q_w, q_b, k_w, k_b, v_w, v_b, o_w, gate_w, up_w, down_w, input_norm, post_norm,
        cos, sin, eps, 6)
    t = x.size(1)
    torch.index_copy_(torch.narrow(k_cache, 2, 0, t), 0, slots, k)
    torch.index_copy_(torch.narrow(v_cache, 2, 0, t), 0, slots, v)
    return y
  # One decoding step of cache rows [0, B): x (B, 1, D) -> (B, 1, D); cos/sin (B, 1, 1, E); writes row b's key and
  # value at position index[b] ((B) int64), then attends to the keys where keep (B, 1, 1, S) bool is true, S <= C.
  # Query heads are grouped per key/value head (B, K, G, E), so the cache is read once and never expanded.
  def decode_layer(self: __torch__.Kernel, x: Tensor, q_w: Tensor, q_b: Tensor, k_w: Tensor, k_b: Tensor,
      v_w: Tensor, v_b: Tensor, o_w: Tensor, gate_w: Tensor, up_w: Tensor, down_w: Tensor, input_norm: Tensor,
      post_norm: Tensor, cos: Tensor, sin: Tensor, eps: Tensor, k_cache: Tensor, v_cache: Tensor, index: Tensor,
      keep: Tensor) -> Tensor:
    b = x.size(0)
    e = cos.size(-1)
    nh = torch.floordiv(q_w.size(0), e)
    nk = torch.floordiv(k_w.size(0), e)
    h = self._rms_norm(x, input_norm, eps)
    q = torch.view(torch.linear(h, q_w, q_b), [b, nk, torch.floordiv(nh, nk), e])
    k = torch.view(torch.linear(h, k_w, k_b), [b, nk, 1, e])
    v = torch.view(torch.linear(h, v_w, v_b), [b, nk, 1, e])
    q = (self)._rope(q, cos, sin)
    k = (self)._rope(k, cos, sin)
    where = torch.expand(torch.view(index, [b, 1, 1, 1]), [b, nk, 1, e])
    keys = torch.narrow(k_cache, 0, 0, b)
    values = torch.narrow(v_cache, 0, 0, b)
    torch.scatter_(keys, 2, where, k)
    torch.scatter_(values, 2, where, v)
    width = keep.size(-1)
    keys = torch.narrow(keys, 2, 0, width)
    values = torch.narrow(values, 2, 0, width)
    a = torch.scaled_dot_product_attention(q, keys, values, keep, 0.0, False)
    x = torch.add(x, torch.linear(torch.reshape(a, [b, 1, torch.mul(nh, e)]), o_w))
    return (self)._mlp_block(x, gate_w, up_w, down_w, post_norm, eps, 6)
  # The next token of each row: final RMSNorm and LM head at rows `at` ((N) int64) of x flattened to (rows, D), then
  # sample_logits. Returns (N) int64 ids.
  def sample_next(self: __torch__.Kernel, x: Tensor, at: Tensor, norm: Tensor, lm_w: Tensor, eps: Tensor,
      temperature: Tensor, top_p: Tensor, uniforms: Tensor) -> Tensor:
    flat = torch.reshape(x, [-1, x.size(-1)])
    h = self._rms_norm(torch.index_select(flat, 0, at), norm, eps)
    return (self).sample_logits(torch.linear(h, lm_w), temperature, top_p, uniforms)
  # logits (N, V) float32 -> (N) int64. temperature 0 (0-d): argmax, the lowest id on ties. Otherwise the top-p
  # nucleus of softmax(logits / temperature), renormalised: the most likely ids (ties: lower id first) whose
  # cumulative probability before them is below top_p (0-d; the most likely id always). uniforms (N, R + 1) in
  # [0, 1): the first R draw candidates from the whole softmax (inverse CDF) and the first candidate inside the
  # nucleus is taken, which is an exact draw from the renormalised nucleus without sorting the vocabulary (a
  # candidate is inside with probability >= top_p); a row whose R candidates all fall outside draws from the sorted
  # nucleus with the last uniform.
  def sample_logits(self: __torch__.Kernel, logits: Tensor, temperature: Tensor, top_p: Tensor,
      uniforms: Tensor) -> Tensor:
    if bool(torch.eq(temperature, 0.0)):
      return torch.argmax(logits, -1)
    probs = torch.softmax(torch.div(logits, temperature), -1)
    tries = torch.sub(uniforms.size(1), 1)
    running = torch.cumsum(probs, -1)
    total = torch.narrow(running, -1, -1, 1)
    target = torch.mul(torch.narrow(uniforms, 1, 0, tries), total)
    candidates = torch.clamp_max(torch.searchsorted(running, target, right=True), torch.sub(probs.size(-1), 1))
    # float32 ids are exact up to 2^24, far above any vocabulary
    ids = torch.arange(probs.size(-1), dtype=6, layout=None, device=probs.device, pin_memory=False)
    chosen = torch.select(candidates, 1, 0)
    found = torch.zeros_like(chosen, dtype=11)
    for r in range(tries):
      candidate = torch.unsqueeze(torch.select(candidates, 1, r), -1)
      picked = torch.gather(probs, -1, candidate)
      # the mass ranked before the candidate: more likely ids, and equally likely ones with a lower id. The 0/1
      # mask is float arithmetic, sign(p - p_c) + [id < c] clamped to [0, 1], because libtorch's comparisons and
      # bool masks run several times slower than these vectorised float ops over a (rows, vocabulary) array
      lower = torch.clamp_(torch.sub(torch.to(candidate, 6), ids), 0.0, 1.0)
      ahead = torch.clamp_(torch.add_(torch.sign_(torch.sub(probs, picked)), lower), 0.0, 1.0)
      before = torch.sum(torch.mul_(ahead, probs), [-1])
      take = torch.logical_and(torch.lt(before, top_p), torch.logical_not(found))
      chosen = torch.where(take, torch.squeeze(candidate, -1), chosen)
      found = torch.logical_or(found, take)
      if bool(torch.all(found)):
        return chosen
    return torch.where(found, chosen, (self)._sorted_nucleus(probs, top_p, torch.select(uniforms, 1, tries)))
  # The nucleus draw by sorting: probs (N, V), u (N) -> (N) int64.
  def _sorted_nucleus(self: __torch__.Kernel, probs: Tensor, top_p: Tensor, u: Tensor) -> Tensor:
    ranked, order = torch.sort(probs, stable=True, dim=-1, descending=True)
    inside = torch.lt(torch.sub(torch.cumsum(ranked, -1), ranked), top_p)
    running = torch.cumsum(torch.mul(ranked, inside), -1)
    target = torch.mul(torch.unsqueeze(u, -1), torch.narrow(running, -1, -1, 1))
    rank = torch.sum(torch.le(running, target), [-1], True)
    rank = torch.minimum(rank, torch.sub(torch.sum(inside, [-1], True), 1))
    return torch.squeeze(torch.gather(order, -1, rank), -1)
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
