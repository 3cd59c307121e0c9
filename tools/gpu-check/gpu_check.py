"""The training step of the kernel path, run by PyTorch from the same TorchScript layer kernel the JVM trains with.

For a GPU node with python3 + PyTorch but no JVM: loads the kernel archive (or packs it from decoder_kernel.py the
way the build does), makes random fp32 master weights of the model's shape on the device, and runs the step the way
redispark.model.KernelPath and TrainLoop do it: a no-grad forward keeping only each layer's input, the chunked
LM-head (head_grad: one (C, V) buffer per chunk), then from the top layer down a recompute and backward of one layer
at a time, the embedding's backward, the global-norm clip and AdamW with the temporaries AdamW.java keeps. One JSON
line per case, beside what `redi plan` predicted for it (plan.json).

--tiny runs toy shapes on any device and also checks the scheme: the kernel layer against plain torch ops, and the
recompute + head_grad gradients against autograd through the whole graph. Any failure exits non-zero.
"""
import argparse
import io
import json
import math
import os
import sys
import tempfile
import time
import zipfile

import torch
import torch.nn.functional as F

FP32, BF16 = 6, 15  # ScalarType codes, as the kernel writes them
OUT_OF_MEMORY = getattr(torch.cuda, "OutOfMemoryError", MemoryError)

# The archive KernelArchive writes: data.pkl is the pickled __torch__.Kernel with training = True.
DATA_PKL = (b"\x80\x02c__torch__\nKernel\n)\x81}(X\x08\x00\x00\x00training\x88ub.")
CONSTANTS_PKL = b"\x80\x02)."
SDPA_CALL = "torch.scaled_dot_product_attention(q, k, v, None, 0.0, True)"
# torch < 2.0 has no aten::scaled_dot_product_attention; its composite _scaled_dot_product_attention computes the
# same causal attention (materialising T × T), enough for the toy shapes of --tiny
SDPA_OLD = "(torch._scaled_dot_product_attention(q, k, v, None, 0.0, False, True))[0]"
# the sampler's decoding step attends with a mask; written out for torch < 2.0 (the check does not call it, but the
# module must compile)
DECODE_SDPA_CALL = "torch.scaled_dot_product_attention(q, keys, values, keep, 0.0, False)"
DECODE_SDPA_OLD = ("torch.matmul(torch.softmax(torch.masked_fill(torch.div(torch.matmul(q, torch.transpose(keys, 2, 3)),"
                   " float(q.size(-1)) ** 0.5), torch.logical_not(keep), -1e9), -1), values)")

QWEN_1_5B = dict(vocab_size=151936, hidden_size=1536, intermediate_size=8960, num_hidden_layers=28,
                 num_attention_heads=12, num_key_value_heads=2, rope_theta=10000.0, rms_norm_eps=1e-6)
TINY = dict(vocab_size=512, hidden_size=64, intermediate_size=160, num_hidden_layers=3, num_attention_heads=4,
            num_key_value_heads=2, rope_theta=10000.0, rms_norm_eps=1e-6)


def has_fused_sdpa():
    return hasattr(F, "scaled_dot_product_attention")


def load_kernel(archive, source, device):
    """The archive as built, or packed here from the source when it is absent or this torch lacks fused SDPA."""
    if archive and os.path.isfile(archive) and has_fused_sdpa():
        return torch.jit.load(archive, map_location=device), archive
    if not source or not os.path.isfile(source):
        raise SystemExit("gpu-check: no kernel archive at %s and no source at %s" % (archive, source))
    with open(source, encoding="utf-8") as f:
        text = f.read()
    if not has_fused_sdpa():
        for call, old in ((SDPA_CALL, SDPA_OLD), (DECODE_SDPA_CALL, DECODE_SDPA_OLD)):
            if text.count(call) != 1:
                raise SystemExit("gpu-check: expected one '%s' in %s" % (call, source))
            text = text.replace(call, old)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("kernel/data.pkl", DATA_PKL)
        z.writestr("kernel/code/__torch__.py", text)
        z.writestr("kernel/constants.pkl", CONSTANTS_PKL)
        z.writestr("kernel/version", "10")
    with tempfile.NamedTemporaryFile(suffix=".pt", delete=False) as tmp:
        tmp.write(buf.getvalue())
    try:
        return torch.jit.load(tmp.name, map_location=device), source + " (packed here)"
    finally:
        os.unlink(tmp.name)


class Model:
    """fp32 master weights with gradients, in the kernel's argument order; the LM head is the embedding (tied)."""

    def __init__(self, cfg, device, seed):
        g = torch.Generator(device="cpu").manual_seed(seed)
        d, f = cfg["hidden_size"], cfg["intermediate_size"]
        e = d // cfg["num_attention_heads"]
        kv = cfg["num_key_value_heads"] * e

        def rand(*shape):  # made on the device: a 1.5B model never passes through host memory
            w = torch.empty(*shape, device=device)
            if device == "cpu":
                w.copy_(torch.randn(*shape, generator=g))
            else:
                w.normal_()
            return w.mul_(0.02).requires_grad_()

        def ones(n):
            return torch.ones(n, device=device).requires_grad_()

        self.cfg, self.head_dim = cfg, e
        self.embed = rand(cfg["vocab_size"], d)
        self.layers = [[rand(d, d), rand(d), rand(kv, d), rand(kv), rand(kv, d), rand(kv), rand(d, d),
                        rand(f, d), rand(f, d), rand(d, f), ones(d), ones(d)]
                       for _ in range(cfg["num_hidden_layers"])]
        self.norm = ones(d)
        self.eps = torch.tensor(cfg["rms_norm_eps"], device=device)

    def params(self):
        return [self.embed, self.norm] + [w for layer in self.layers for w in layer]

    def rotary(self, t):
        e = self.head_dim
        inv = 1.0 / (self.cfg["rope_theta"] ** (torch.arange(0, e, 2, dtype=torch.float32) / e))
        freqs = torch.outer(torch.arange(t, dtype=torch.float32), inv)
        emb = torch.cat([freqs, freqs], -1)
        dev = self.embed.device
        return emb.cos().view(1, 1, t, e).to(dev), emb.sin().view(1, 1, t, e).to(dev)


def layer_call(kernel, dt):
    return kernel.layer_bf16 if dt == BF16 else kernel.forward


def head_call(kernel, dt):
    return kernel.head_grad_bf16 if dt == BF16 else kernel.head_grad


def kernel_step(kernel, model, ids, weights, dt, chunk):
    """Forward and backward as KernelPath does with recompute = layer; returns sum(weights · logp)."""
    n = ids.numel()
    d = model.cfg["hidden_size"]
    cos, sin = model.rotary(ids.size(1))
    layer = layer_call(kernel, dt)
    labels = torch.roll(ids, -1, 1).view(n)
    with torch.no_grad():
        x = F.embedding(ids, model.embed)
        inputs = []
        for w in model.layers:
            inputs.append(x)
            x = layer(x, *w, cos, sin, model.eps)
        flat = x.view(n, d)
        d_normed = torch.zeros(n, d, device=x.device)
        d_head = None
        total = 0.0
        for start in range(0, n, chunk):
            stop = min(n, start + chunk)
            logp, dn, dw = head_call(kernel, dt)(flat[start:stop], model.norm, model.embed, labels[start:stop],
                                                 weights[start:stop], model.eps)
            total += float((logp * weights[start:stop]).sum())
            d_normed[start:stop] = dn
            d_head = dw if d_head is None else d_head.add_(dw)
            del logp, dn, dw
    top = x.detach().requires_grad_()
    # the two head gradients reach the final norm, the head matrix and the top hidden state in one backward
    surrogate = (kernel.final_norm(top.view(n, d), model.norm, model.eps) * d_normed).sum() \
        + (model.embed * d_head).sum()
    surrogate.backward()
    del surrogate, d_head, d_normed, flat, x
    dy = top.grad
    for i in range(len(model.layers) - 1, -1, -1):
        xi = inputs[i].requires_grad_()
        y = layer(xi, *model.layers[i], cos, sin, model.eps)
        y.backward(dy)
        dy = xi.grad
        inputs[i] = None
        del y, xi
    F.embedding(ids, model.embed).backward(dy)
    return total


def full_graph_step(kernel, model, ids, weights, dt):
    """The same loss with autograd through everything: the reference for the recompute scheme."""
    n = ids.numel()
    cos, sin = model.rotary(ids.size(1))
    x = F.embedding(ids, model.embed)
    for w in model.layers:
        x = layer_call(kernel, dt)(x, *w, cos, sin, model.eps)
    h = kernel.final_norm(x.view(n, -1), model.norm, model.eps)
    logp = torch.log_softmax(h @ model.embed.t(), -1).gather(-1, torch.roll(ids, -1, 1).view(n, 1)).view(n)
    loss = (logp * weights).sum()
    loss.backward()
    return float(loss)


def reference_layer(x, w, cos, sin, eps, heads, kv_heads):
    """One Qwen2 layer in plain torch ops (fp32), written independently of the kernel's source."""
    q_w, q_b, k_w, k_b, v_w, v_b, o_w, gate_w, up_w, down_w, n1, n2 = w

    def norm(t, g):
        return t / torch.sqrt(t.pow(2).mean(-1, keepdim=True) + eps) * g

    def rope(t):
        half = t.size(-1) // 2
        return t * cos + torch.cat([-t[..., half:], t[..., :half]], -1) * sin

    b, t, d = x.shape
    e = d // heads
    h = norm(x, n1)
    q = rope((h @ q_w.t() + q_b).view(b, t, heads, e).transpose(1, 2))
    k = rope((h @ k_w.t() + k_b).view(b, t, kv_heads, e).transpose(1, 2))
    v = (h @ v_w.t() + v_b).view(b, t, kv_heads, e).transpose(1, 2)
    k = k.repeat_interleave(heads // kv_heads, 1)
    v = v.repeat_interleave(heads // kv_heads, 1)
    scores = q @ k.transpose(-1, -2) / math.sqrt(e)
    scores = scores.masked_fill(torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1), float("-inf"))
    a = (torch.softmax(scores, -1) @ v).transpose(1, 2).reshape(b, t, d)
    x = x + a @ o_w.t()
    h = norm(x, n2)
    return x + (F.silu(h @ gate_w.t()) * (h @ up_w.t())) @ down_w.t()


def clip_and_adamw(model, state, lr=1e-5, clip=1.0, b1=0.9, b2=0.999, eps=1e-8, wd=0.1):
    """TrainLoop.clip then AdamW.step: every temporary of one parameter's update is held until it ends."""
    params = model.params()
    state["steps"] = step = state.get("steps", 0) + 1
    moments = state.setdefault("moments", {})
    norm = math.sqrt(sum(float(p.grad.square().sum()) for p in params))
    if norm > clip:
        for p in params:
            p.grad.mul_(clip / (norm + 1e-6))
    bias1, bias2 = 1 - b1 ** step, 1 - b2 ** step
    with torch.no_grad():
        for p in params:
            g = p.grad
            if id(p) not in moments:
                moments[id(p)] = (torch.zeros_like(p), torch.zeros_like(p))
            m, v = moments[id(p)]
            held = [g.mul(1 - b1), g.square()]
            m.mul_(b1).add_(held[0])
            v.mul_(b2).add_(held[1].mul_(1 - b2))
            held += [m.div(bias1), v.div(bias2)]
            held.append(held[3].sqrt().add_(eps))
            delta = held[2].div_(held[4]).mul_(lr)
            if p.dim() >= 2:
                held.append(p.mul(lr * wd))
                delta.add_(held[-1])
            held.append(delta.square())
            p.sub_(delta)
            del held, delta
    for p in params:
        p.grad.zero_()
    return norm


def attention_backend(kernel, model, dt, t):
    """Which SDPA implementation the dispatcher picks for this shape: the aten op the profiler records."""
    cos, sin = model.rotary(t)
    x = torch.zeros(1, t, model.cfg["hidden_size"], device=model.embed.device)
    with torch.no_grad(), torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        layer_call(kernel, dt)(x, *model.layers[0], cos, sin, model.eps)
    names = {e.key for e in prof.key_averages()}
    picked = sorted(n for n in names if "scaled_dot_product" in n and n != "aten::scaled_dot_product_attention")
    for label, part in (("flash", "flash"), ("efficient", "efficient"), ("cudnn", "cudnn"), ("math", "math")):
        if any(part in n for n in picked):
            return label
    return ",".join(picked) or "unknown"


def flops(cfg, t):
    """The planner's count (TrainPlan.of): 6·N_mm·T + 6·L·D·T² causal attention, recompute = one more forward."""
    d, f, layers = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
    kv = cfg["num_key_value_heads"] * d // cfg["num_attention_heads"]
    stack = layers * (2 * d * d + 2 * d * kv + 3 * d * f)
    attention = 2 * layers * d * t * t
    return t * 6 * (stack + cfg["vocab_size"] * d) + 3 * attention + t * 2 * stack + attention


def sync(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def run_case(kernel, model, state, name, t, dt, chunk, device, plan, backend_of):
    g = torch.Generator(device="cpu").manual_seed(t)
    ids = torch.randint(0, model.cfg["vocab_size"], (1, t), generator=g).to(device)
    weights = torch.full((t,), 1.0 / (t - 1), device=device)
    weights[-1] = 0.0  # the last position predicts nothing
    result = {"case": name, "T": t, "dtype": "bf16" if dt == BF16 else "fp32"}
    for attempt in ("warm-up", "timed"):  # the timed step has AdamW state, as every step after the first
        if device.startswith("cuda"):
            torch.cuda.reset_peak_memory_stats()
        sync(device)
        start = time.perf_counter()
        objective = kernel_step(kernel, model, ids, weights, dt, chunk)
        sync(device)
        seconds = time.perf_counter() - start
        norm = clip_and_adamw(model, state)
        sync(device)
        opt_seconds = time.perf_counter() - start - seconds
        if not (math.isfinite(objective) and math.isfinite(norm)):
            raise RuntimeError("%s: non-finite objective %s or gradient norm %s" % (name, objective, norm))
    result.update({
        "peak_gpu_gib": round(torch.cuda.max_memory_allocated() / 2 ** 30, 3) if device.startswith("cuda") else None,
        "s_per_seq": round(seconds, 4),
        "optimizer_s": round(opt_seconds, 4),
        "tflops": round(flops(model.cfg, t) / seconds / 1e12, 2),
        "attention_backend": backend_of(t),
        "plan_peak_gib": plan.get(name, {}).get("plan_peak_gib"),
        "plan_step_s": plan.get(name, {}).get("plan_step_s"),
        "grad_norm": round(norm, 6),
    })
    return result


def rel(a, b):
    return float((a - b).norm() / (b.norm() + 1e-30))


def tiny_checks(kernel, device, emit):
    """The scheme itself, at a toy shape in fp32: the layer against plain ops, recompute against the full graph."""
    cfg = dict(TINY)
    model = Model(cfg, device, seed=7)
    t = 96
    ids = torch.randint(0, cfg["vocab_size"], (1, t), generator=torch.Generator().manual_seed(3)).to(device)
    x = torch.randn(1, t, cfg["hidden_size"], generator=torch.Generator().manual_seed(4)).to(device)
    cos, sin = model.rotary(t)
    with torch.no_grad():
        got = kernel.forward(x, *model.layers[0], cos, sin, model.eps)
        want = reference_layer(x, model.layers[0], cos, sin, cfg["rms_norm_eps"], cfg["num_attention_heads"],
                               cfg["num_key_value_heads"])
    layer_diff = float((got - want).abs().max())
    weights = torch.linspace(0.5, 1.5, t, device=device) / t
    weights[-1] = 0.0
    full_loss = full_graph_step(kernel, model, ids, weights, FP32)
    full = [p.grad.clone() for p in model.params()]
    for p in model.params():
        p.grad = None
    chunked_loss = kernel_step(kernel, model, ids, weights, FP32, chunk=40)  # chunks of 40, 40, 16
    grad_diff = max(rel(p.grad, g) for p, g in zip(model.params(), full))
    ok = layer_diff < 1e-4 and grad_diff < 1e-4 and abs(full_loss - chunked_loss) < 1e-4 * abs(full_loss)
    emit({"case": "tiny-parity", "T": t, "layer_max_abs_diff": layer_diff, "grad_max_rel_diff": grad_diff,
          "loss_full_graph": full_loss, "loss_recompute": chunked_loss, "ok": ok})
    if not ok:
        raise RuntimeError("tiny parity failed: layer %.3g, gradients %.3g (limits 1e-4)" % (layer_diff, grad_diff))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archive", help="decoder-kernel.pt as the build packs it")
    ap.add_argument("--source", help="decoder_kernel.py, packed here when the archive is absent")
    ap.add_argument("--plan", help="plan.json: the planner's predictions per case")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--tiny", action="store_true", help="toy shapes plus the parity checks")
    ap.add_argument("--seqs", default="4096,8192,19000", help="sequence lengths of the 1.5B cases")
    ap.add_argument("--out", help="write the JSON lines here (default: stdout)")
    args = ap.parse_args()
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit("gpu-check: torch %s sees no CUDA device (use --device cpu --tiny off a GPU)"
                         % torch.__version__)
    out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout

    def emit(obj):
        out.write(json.dumps(obj) + "\n")
        out.flush()

    plan = {}
    if args.plan and os.path.isfile(args.plan):
        with open(args.plan, encoding="utf-8") as f:
            plan = {c["case"]: c for c in json.load(f)["cases"]}
    failed = False
    try:
        kernel, origin = load_kernel(args.archive, args.source, args.device)
        info = {"case": "environment", "torch": torch.__version__, "device": args.device, "kernel": origin,
                "fused_sdpa": has_fused_sdpa()}
        if args.device.startswith("cuda"):
            info.update(gpu=torch.cuda.get_device_name(), cuda=torch.version.cuda,
                        gpu_mem_gib=round(torch.cuda.get_device_properties(0).total_memory / 2 ** 30, 1))
        emit(info)
        if args.tiny:
            tiny_checks(kernel, args.device, emit)
            cases = [(dict(TINY), "tiny-%s-T%d" % (name, t), t, dt) for t in (64, 256)
                     for name, dt in (("fp32", FP32), ("bf16", BF16))]
            chunk = 100
        else:
            cases = [(dict(QWEN_1_5B), "1.5b-bf16-T%d" % t, t, BF16) for t in map(int, args.seqs.split(","))]
            chunk = 2048
        model, state = None, {}
        for cfg, name, t, dt in cases:
            if model is None or model.cfg != cfg:
                model, state = Model(cfg, args.device, seed=1), {}
            backend = lambda t, m=model, d=dt: attention_backend(kernel, m, d, t)
            try:
                emit(run_case(kernel, model, state, name, t, dt, chunk, args.device, plan, backend))
            except OUT_OF_MEMORY as e:
                failed = True
                emit({"case": name, "T": t, "error": "out of memory: " + str(e).splitlines()[0]})
                model, state = None, {}
                if args.device.startswith("cuda"):
                    torch.cuda.empty_cache()
    except Exception as e:  # one line, then a failing exit
        emit({"case": "failure", "error": "%s: %s" % (type(e).__name__, str(e).strip().splitlines()[0])})
        failed = True
    if out is not sys.stdout:
        out.close()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
