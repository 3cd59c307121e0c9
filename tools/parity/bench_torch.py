#!/usr/bin/python3
"""PyTorch-eager counterpart of redispark.train.TrainStepBench: the same Qwen2 model, step and AdamW on random tokens.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=2 /usr/bin/python3 tools/parity/bench_torch.py \
        tools/parity/bench-5m-config.json 8 256 10

(Debian's torch 1.13 is fastest on 2 cores with 1 OpenMP thread and 2 OpenBLAS threads; see stack-probe.md.)
Prints "train-step params=P tokens_per_s=X ms_per_step=M loss=L" like the Java bench: one untimed warm-up step,
then `steps` timed steps. Model: embedding, N x [RMSNorm, RoPE attention (q/k/v bias, GQA by repeat_interleave, causal
mask), RMSNorm, SwiGLU], final RMSNorm, LM head (tied or untied), fp32; loss = mean next-token NLL; AdamW(lr 1e-3,
betas (0.9, 0.95), eps 1e-8, weight decay 0.1 on rank >= 2 tensors).
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F


class Model(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        d, f, v = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
        self.h, self.k = c["num_attention_heads"], c.get("num_key_value_heads", c["num_attention_heads"])
        self.e = d // self.h
        self.eps = c.get("rms_norm_eps", 1e-6)
        kv = self.k * self.e

        def lin(o, i, bias=False):
            layer = torch.nn.Linear(i, o, bias=bias)
            torch.nn.init.normal_(layer.weight, std=0.02)
            if bias:
                torch.nn.init.zeros_(layer.bias)
            return layer

        self.embed = torch.nn.Embedding(v, d)
        torch.nn.init.normal_(self.embed.weight, std=0.02)
        self.layers = torch.nn.ModuleList()
        for _ in range(c["num_hidden_layers"]):
            m = torch.nn.Module()
            m.q, m.kp, m.vp, m.o = lin(d, d, True), lin(kv, d, True), lin(kv, d, True), lin(d, d)
            m.gate, m.up, m.down = lin(f, d), lin(f, d), lin(d, f)
            m.n1, m.n2 = torch.nn.Parameter(torch.ones(d)), torch.nn.Parameter(torch.ones(d))
            self.layers.append(m)
        self.norm = torch.nn.Parameter(torch.ones(d))
        self.head = None if c.get("tie_word_embeddings", False) else lin(v, d)
        inv = 1.0 / (c.get("rope_theta", 10000.0) ** (torch.arange(0, self.e, 2, dtype=torch.float64) / self.e))
        t = torch.arange(c.get("max_position_embeddings", 4096), dtype=torch.float64)
        emb = torch.cat([torch.outer(t, inv)] * 2, dim=-1)
        self.register_buffer("cos", emb.cos().float())
        self.register_buffer("sin", emb.sin().float())

    def rms(self, x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * w

    @staticmethod
    def rope(x, cos, sin):
        h = x.shape[-1] // 2
        return x * cos + torch.cat([-x[..., h:], x[..., :h]], dim=-1) * sin

    def forward(self, ids):
        b, t = ids.shape
        cos, sin = self.cos[:t][None, None], self.sin[:t][None, None]  # (1, 1, T, E)
        mask = torch.full((t, t), float("-inf")).triu(1)  # (T, T)
        x = self.embed(ids)  # (B, T, D)
        for m in self.layers:
            hs = self.rms(x, m.n1)
            q = m.q(hs).view(b, t, self.h, self.e).transpose(1, 2)  # (B, H, T, E)
            k = m.kp(hs).view(b, t, self.k, self.e).transpose(1, 2)  # (B, K, T, E)
            v = m.vp(hs).view(b, t, self.k, self.e).transpose(1, 2)  # (B, K, T, E)
            q, k = self.rope(q, cos, sin), self.rope(k, cos, sin)
            if self.k != self.h:
                k = k.repeat_interleave(self.h // self.k, dim=1)
                v = v.repeat_interleave(self.h // self.k, dim=1)
            att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.e) + mask, dim=-1)  # (B, H, T, T)
            x = x + m.o((att @ v).transpose(1, 2).reshape(b, t, -1))
            hs = self.rms(x, m.n2)
            x = x + m.down(F.silu(m.gate(hs)) * m.up(hs))
        x = self.rms(x, self.norm)
        return x @ self.embed.weight.T if self.head is None else self.head(x)  # (B, T, V)


def main():
    cfg_path, batch, seq, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    with open(cfg_path) as f:
        c = json.load(f)
    torch.manual_seed(1234)
    model = Model(c)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.95), eps=1e-8)
    gen = torch.Generator().manual_seed(99)
    params = sum(p.numel() for p in model.parameters())

    def step():
        tokens = torch.randint(0, c["vocab_size"], (batch, seq), generator=gen)
        logits = model(tokens[:, :-1])
        loss = -torch.log_softmax(logits, -1).gather(-1, tokens[:, 1:, None]).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    loss = step()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        loss = step()
    sec, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"train-step params={params} tokens_per_s={batch * seq * steps / sec:.1f} "
          f"ms_per_step={1000 * sec / steps:.1f} cpu_ms_per_step={1000 * cpu / steps:.1f} loss={loss:.4f} "
          f"torch={torch.__version__} omp_threads={torch.get_num_threads()} "
          f"openblas_threads={os.environ.get('OPENBLAS_NUM_THREADS', 'default')}")


if __name__ == "__main__":
    main()
