#!/usr/bin/env bash
# The long-sequence training path measured on this machine: the kernel and eager paths on the 5 M-parameter config
# (batch 8 x 256), then the 44 M-parameter Qwen2 with the real 151,936-token vocabulary (tools/bench-44m-config.json)
# at growing sequence lengths, batch 1. Each line is what `redi bench train-step` printed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench() { echo "$ redi bench train-step $*"; "$here/bin/redi" bench train-step "$@" | tail -1; }
small="$here/tools/parity/bench-5m-config.json"
big="$here/tools/bench-44m-config.json"
for round in 1 2; do
  bench --config "$small" --batch 8 --seq 256 --steps 10 --threads 2 --path eager
  bench --config "$small" --batch 8 --seq 256 --steps 10 --threads 2 --path kernel
done
for seq in 1024 2048 8192; do
  bench --config "$big" --batch 1 --seq "$seq" --steps 2 --threads 2 --path kernel --recompute layer
done
bench --config "$big" --batch 1 --seq 8192 --steps 2 --threads 2 --path kernel --recompute layer --dtype bf16
bench --config "$big" --batch 1 --seq 8192 --steps 2 --threads 2 --path kernel --recompute off
bench --config "$big" --batch 1 --seq 2048 --steps 2 --threads 2 --path eager
