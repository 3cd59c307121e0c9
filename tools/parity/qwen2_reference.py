#!/usr/bin/python3
"""Plain-PyTorch float64 reference for redispark.model.Qwen2Model, and the parity fixture it writes.

Run once (Debian python3-torch 1.13 is enough; no transformers, no safetensors package):

    /usr/bin/python3 tools/parity/qwen2_reference.py common/src/test/resources/model/parity

It writes
  model/config.json, model/model.safetensors  random tiny Qwen2 weights (F32, HF names, untied LM head)
  io.safetensors                              input_ids, attention_mask (right padding), labels, expected logits
                                              (F64), log-prob sum and its gradients for a few weights (F64), and
                                              greedy continuations of two prompts

The Java test (Qwen2ParityTest) only reads these files, so CI needs no Python.

The model follows Hugging Face's Qwen2 (modeling_qwen2.py) semantics, written out by hand because torch 1.13 has no
scaled_dot_product_attention or RMSNorm: RMSNorm x*rsqrt(mean(x^2)+eps)*w; rotary embeddings in rotate_half form with
inv_freq = theta^(-2i/E) and position_ids = arange(T); grouped-query attention by repeat_interleave of the K/V heads;
q/k/v with bias, o_proj without; SwiGLU down(silu(gate(x)) * up(x)); final norm; untied lm_head.
"""
import json
import math
import os
import struct
import sys

import torch

CONFIG = {
    "architectures": ["Qwen2ForCausalLM"],
    "model_type": "qwen2",
    "vocab_size": 64,
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "hidden_act": "silu",
    "rope_theta": 1000000.0,
    "rms_norm_eps": 1e-6,
    "max_position_embeddings": 128,
    "tie_word_embeddings": False,
    "bos_token_id": 0,
    "eos_token_id": 1,
    "torch_dtype": "float32",
}

DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}


def write_safetensors(path, tensors):
    """Minimal safetensors writer: 8-byte LE header length, JSON header padded with spaces to 8, raw LE data."""
    header = {"__metadata__": {"format": "pt"}}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.contiguous()
        data = t.numpy().tobytes()  # x86: little-endian
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def init_weights(cfg, gen):
    """Random weights with O(1) activations (std 1/sqrt(fan_in)), non-zero biases and non-unit norms."""
    d, f, v = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    e = d // cfg["num_attention_heads"]
    kv = cfg["num_key_value_heads"] * e

    def randn(*shape, std=1.0):
        return torch.randn(*shape, generator=gen, dtype=torch.float64) * std

    w = {"model.embed_tokens.weight": randn(v, d)}
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w[p + "self_attn.q_proj.weight"] = randn(d, d, std=d ** -0.5)
        w[p + "self_attn.q_proj.bias"] = randn(d, std=0.1)
        w[p + "self_attn.k_proj.weight"] = randn(kv, d, std=d ** -0.5)
        w[p + "self_attn.k_proj.bias"] = randn(kv, std=0.1)
        w[p + "self_attn.v_proj.weight"] = randn(kv, d, std=d ** -0.5)
        w[p + "self_attn.v_proj.bias"] = randn(kv, std=0.1)
        w[p + "self_attn.o_proj.weight"] = randn(d, d, std=d ** -0.5)
        w[p + "mlp.gate_proj.weight"] = randn(f, d, std=d ** -0.5)
        w[p + "mlp.up_proj.weight"] = randn(f, d, std=d ** -0.5)
        w[p + "mlp.down_proj.weight"] = randn(d, f, std=f ** -0.5)
        w[p + "input_layernorm.weight"] = 1 + randn(d, std=0.1)
        w[p + "post_attention_layernorm.weight"] = 1 + randn(d, std=0.1)
    w["model.norm.weight"] = 1 + randn(d, std=0.1)
    w["lm_head.weight"] = randn(v, d, std=d ** -0.5)
    # the fixture stores F32, so the reference computes from the F32-rounded values
    return {k: t.float().double() for k, t in w.items()}


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], dim=-1)


def forward(cfg, w, ids, mask):
    """logits (B, T, V) in float64 for right-padded ids (B, T) and mask (B, T)."""
    b, t = ids.shape
    d = cfg["hidden_size"]
    h = cfg["num_attention_heads"]
    k = cfg["num_key_value_heads"]
    e = d // h
    eps = cfg["rms_norm_eps"]
    inv_freq = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, e, 2, dtype=torch.float64) / e))  # (E/2)
    freqs = torch.outer(torch.arange(t, dtype=torch.float64), inv_freq)  # (T, E/2)
    emb = torch.cat([freqs, freqs], dim=-1)  # (T, E)
    cos, sin = emb.cos()[None, None], emb.sin()[None, None]  # (1, 1, T, E)
    causal = torch.tril(torch.ones(t, t, dtype=torch.bool))  # (T, T)
    allowed = causal[None, None] & mask.bool()[:, None, None, :]  # (B, 1, T, T)
    bias = torch.zeros(b, 1, t, t, dtype=torch.float64).masked_fill(~allowed, float("-inf"))

    x = w["model.embed_tokens.weight"][ids]  # (B, T, D)
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        hs = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = hs @ w[p + "self_attn.q_proj.weight"].T + w[p + "self_attn.q_proj.bias"]
        kk = hs @ w[p + "self_attn.k_proj.weight"].T + w[p + "self_attn.k_proj.bias"]
        vv = hs @ w[p + "self_attn.v_proj.weight"].T + w[p + "self_attn.v_proj.bias"]
        q = q.view(b, t, h, e).transpose(1, 2)  # (B, H, T, E)
        kk = kk.view(b, t, k, e).transpose(1, 2)  # (B, K, T, E)
        vv = vv.view(b, t, k, e).transpose(1, 2)  # (B, K, T, E)
        q = q * cos + rotate_half(q) * sin
        kk = kk * cos + rotate_half(kk) * sin
        kk = kk.repeat_interleave(h // k, dim=1)  # (B, H, T, E)
        vv = vv.repeat_interleave(h // k, dim=1)  # (B, H, T, E)
        att = torch.softmax(q @ kk.transpose(-1, -2) / math.sqrt(e) + bias, dim=-1)  # (B, H, T, T)
        y = (att @ vv).transpose(1, 2).reshape(b, t, d)  # (B, T, D)
        x = x + y @ w[p + "self_attn.o_proj.weight"].T
        hs = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = hs @ w[p + "mlp.gate_proj.weight"].T
        up = hs @ w[p + "mlp.up_proj.weight"].T
        x = x + (torch.nn.functional.silu(gate) * up) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    return x @ w["lm_head.weight"].T  # (B, T, V)


def greedy(cfg, w, prompt, n):
    """Greedy continuation by re-running the whole context (no cache); also returns the smallest top-2 margin."""
    seq = list(prompt)
    margin = float("inf")
    for _ in range(n):
        ids = torch.tensor([seq])
        logits = forward(cfg, w, ids, torch.ones_like(ids))[0, -1]
        top = torch.topk(logits, 2).values
        margin = min(margin, (top[0] - top[1]).item())
        seq.append(int(torch.argmax(logits)))
    return seq[len(prompt):], margin


GRAD_NAMES = ["model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight",
              "model.layers.1.self_attn.k_proj.bias", "model.layers.1.mlp.down_proj.weight", "model.norm.weight",
              "lm_head.weight"]


def main(out):
    gen = torch.Generator().manual_seed(20250601)
    cfg = CONFIG
    w = init_weights(cfg, gen)
    v = cfg["vocab_size"]
    b, t = 3, 10
    ids = torch.randint(2, v, (b, t), generator=gen)
    lengths = [10, 6, 9]  # row 1 and row 2 are right-padded
    mask = torch.zeros(b, t, dtype=torch.int64)
    for r, n in enumerate(lengths):
        mask[r, :n] = 1
        ids[r, n:] = 0  # pad id
    labels = torch.cat([ids[:, 1:], torch.zeros(b, 1, dtype=torch.int64)], dim=1)  # next token; last column unused
    label_mask = torch.cat([mask[:, 1:], torch.zeros(b, 1, dtype=torch.int64)], dim=1)

    params = {k: x.clone().requires_grad_(True) for k, x in w.items()}
    logits = forward(cfg, params, ids, mask)
    logp = torch.log_softmax(logits, dim=-1).gather(-1, labels[..., None])[..., 0]  # (B, T)
    total = (logp * label_mask).sum()
    total.backward()

    prompts = [[5, 9, 13, 17, 21, 25, 29], [7, 8]]
    conts = []
    for pr in prompts:
        c, margin = greedy(cfg, w, pr, 8)
        print(f"greedy {pr} -> {c} (smallest top-2 margin {margin:.4f})")
        if margin < 1e-3:
            sys.exit("near-tie in the greedy reference; pick another seed")
        conts.append(c)

    os.makedirs(os.path.join(out, "model"), exist_ok=True)
    with open(os.path.join(out, "model", "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    write_safetensors(os.path.join(out, "model", "model.safetensors"), {k: x.float() for k, x in w.items()})
    io = {
        "input_ids": ids,
        "attention_mask": mask,
        "labels": labels,
        "label_mask": label_mask,
        "logits": logits.detach(),
        "logprob_sum": total.detach().reshape(1),
    }
    for name in GRAD_NAMES:
        io["grad." + name] = params[name].grad
    for i, (pr, c) in enumerate(zip(prompts, conts)):
        io[f"greedy.{i}.prompt"] = torch.tensor(pr)
        io[f"greedy.{i}.tokens"] = torch.tensor(c)
    write_safetensors(os.path.join(out, "io.safetensors"), io)
    print("logprob_sum", total.item(), "logits std", logits.std().item())


if __name__ == "__main__":
    torch.set_num_threads(1)
    main(sys.argv[1] if len(sys.argv) > 1 else "common/src/test/resources/model/parity")
