#!/usr/bin/python3
"""Plain-PyTorch float64 reference for the objectives of redispark.train.objective, and the fixture it writes.

Run once (Debian python3-torch 1.13 is enough):

    /usr/bin/python3 tools/parity/objectives_reference.py common/src/test/resources/train/objectives-parity.json

Each case holds per-sequence log-prob sums and completion token counts (the objectives' only inputs), the
hyper-parameters, the batch loss and its gradient with respect to every differentiable input (the sums), all in
float64. The Java test (ObjectivesParityTest) only reads the JSON, so CI needs no Python.

The formulas, written out from the paper (Xu et al. 2025, eqs. 2, 3, 5) independently of the Java code:
  sft            -sum(s) / sum(n)                                               token mean over the batch
  redi           mean_i( -s+_i/n+_i + alpha * s-_i/n-_i )                          pairs
  redi-unpaired  mean_i(-s+_i/n+_i) + alpha * mean_j(s-_j/n-_j)                    positives, negatives apart
  dpo            mean_i( -logsigmoid(beta * ((s+_i - r+_i) - (s-_i - r-_i))) )     summed log-probs, reference r
  simpo          mean_i( -logsigmoid(beta * (s+_i/n+_i - s-_i/n-_i) - gamma) )     reference-free
"""
import json
import sys

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def sft(x, p):
    return -x["logps"]["sums"].sum() / x["logps"]["counts"].sum()


def norm(seq):
    return seq["sums"] / seq["counts"]


def redi(x, p):
    return (-norm(x["chosen"]) + p["alpha"] * norm(x["rejected"])).mean()


def redi_unpaired(x, p):
    return (-norm(x["positives"])).mean() + p["alpha"] * norm(x["negatives"]).mean()


def dpo(x, p):
    z = p["beta"] * ((x["chosen"]["sums"] - x["ref_chosen"]) - (x["rejected"]["sums"] - x["ref_rejected"]))
    return (-F.logsigmoid(z)).mean()


def simpo(x, p):
    z = p["beta"] * (norm(x["chosen"]) - norm(x["rejected"])) - p["gamma"]
    return (-F.logsigmoid(z)).mean()


FORMULAS = {"sft": sft, "redi": redi, "redi-unpaired": redi_unpaired, "dpo": dpo, "simpo": simpo}


def sequences(gen, n, mean_logp, max_len):
    """n completions with 1..max_len tokens and a per-token log-prob around mean_logp."""
    counts = torch.randint(1, max_len + 1, (n,), generator=gen).to(torch.float64)
    per_token = mean_logp * (0.5 + torch.rand(n, generator=gen))
    return {"sums": (per_token * counts).requires_grad_(), "counts": counts}


def case(name, objective, params, inputs):
    loss = FORMULAS[objective](inputs, params)
    leaves = {k: v["sums"] for k, v in inputs.items() if isinstance(v, dict)}
    grads = torch.autograd.grad(loss, list(leaves.values()))
    out_inputs = {}
    for k, v in inputs.items():
        if isinstance(v, dict):
            out_inputs[k] = {"sums": v["sums"].tolist(), "counts": v["counts"].tolist()}
        else:
            out_inputs[k] = v.tolist()
    return {
        "name": name,
        "objective": objective,
        "params": params,
        "inputs": out_inputs,
        "loss": loss.item(),
        "grads": {k: g.tolist() for k, g in zip(leaves.keys(), grads)},
    }


def main(path):
    gen = torch.Generator().manual_seed(20250531)
    cases = []
    for i, p in enumerate([5, 17]):
        cases.append(case(f"sft-{p}", "sft", {}, {"logps": sequences(gen, p, -1.2, 40)}))
    for alpha in (0.8, 1.0, 0.0):
        cases.append(case(f"redi-alpha{alpha}", "redi", {"alpha": alpha},
                          {"chosen": sequences(gen, 6, -0.6, 50), "rejected": sequences(gen, 6, -1.4, 50)}))
    for alpha in (0.8, 0.5):
        cases.append(case(f"redi-unpaired-alpha{alpha}", "redi-unpaired", {"alpha": alpha},
                          {"positives": sequences(gen, 7, -0.6, 50), "negatives": sequences(gen, 4, -1.4, 50)}))
    for beta, scale in ((0.1, 1.0), (0.001, 1.0), (0.5, 40.0)):  # the last one saturates the sigmoid both ways
        chosen, rejected = sequences(gen, 6, -0.8, 60), sequences(gen, 6, -1.1, 60)
        ref_c = chosen["sums"].detach() + scale * torch.randn(6, generator=gen)
        ref_r = rejected["sums"].detach() + scale * torch.randn(6, generator=gen)
        cases.append(case(f"dpo-beta{beta}-spread{scale}", "dpo", {"beta": beta},
                          {"chosen": chosen, "rejected": rejected, "ref_chosen": ref_c, "ref_rejected": ref_r}))
    for beta, gamma in ((2.0, 1.0), (10.0, 5.0), (2.5, 0.0)):
        cases.append(case(f"simpo-beta{beta}-gamma{gamma}", "simpo", {"beta": beta, "gamma": gamma},
                          {"chosen": sequences(gen, 6, -0.7, 50), "rejected": sequences(gen, 6, -1.2, 50)}))
    fixture = {
        "generator": "tools/parity/objectives_reference.py",
        "torch": torch.__version__,
        "dtype": "float64",
        "cases": cases,
    }
    with open(path, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "common/src/test/resources/train/objectives-parity.json")
