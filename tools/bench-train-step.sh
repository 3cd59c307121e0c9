#!/usr/bin/env bash
# Runs the training step (redi bench train-step: the kernel path, forward+backward+AdamW) and the same step in PyTorch eager
# (tools/parity/bench_torch.py), interleaved, on the 5 M-parameter config, batch 8 x 256, 2 threads each at its best
# setting, and prints both lines and the ratio. Needs Debian's python3-torch and libopenblas0-pthread:
#   sudo apt-get install -y python3-torch libopenblas0-pthread
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
config="${1:-$here/tools/parity/bench-5m-config.json}"
steps="${STEPS:-20}"
rounds="${ROUNDS:-2}"
for round in $(seq "$rounds"); do
  djl=$("$here/bin/redi" bench train-step --config "$config" --batch 8 --seq 256 --steps "$steps" --threads 2 | tail -1)
  torch=$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=2 /usr/bin/python3 "$here/tools/parity/bench_torch.py" \
          "$config" 8 256 "$steps" | tail -1)
  d=$(sed -n 's/.*tokens_per_s=\([0-9.]*\).*/\1/p' <<<"$djl")
  t=$(sed -n 's/.*tokens_per_s=\([0-9.]*\).*/\1/p' <<<"$torch")
  echo "round $round djl:   $djl"
  echo "round $round torch: $torch"
  awk -v d="$d" -v t="$t" -v r="$round" 'BEGIN { printf "round %s ratio djl/torch=%.2f\n", r, d / t }'
done
