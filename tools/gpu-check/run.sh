#!/usr/bin/env bash
# The device check: the kernel path's training step on a GPU, run by PyTorch from the same TorchScript layer kernel
# the JVM trains with (no JVM needed on the GPU node). One JSON line per case, beside what `redi plan` predicted
# (plan.json here), to $OUT/gpu-check.jsonl when OUT is set, else to stdout.
#
#   tools/gpu-check/run.sh                      # 1.5B shape, bf16, T = 4096, 8192, 19000 on cuda
#   tools/gpu-check/run.sh --device cpu --tiny  # toy shapes plus the parity checks, on any machine (CI runs it)
#
# The kernel archive is the one the Maven build packs (common/target/classes/redispark/model/decoder-kernel.pt);
# without a build, gpu_check.py packs it from common/src/main/torchscript/decoder_kernel.py the same way.
# PYTHON picks the interpreter; by default the first of python3, /usr/bin/python3 that imports torch.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import torch' >/dev/null 2>&1; then
      python="$p"
      break
    fi
  done
fi
if [[ -z "$python" ]]; then
  echo "gpu-check: no python3 with torch found (set PYTHON, or install PyTorch)" >&2
  exit 1
fi
args=(--archive "$repo/common/target/classes/redispark/model/decoder-kernel.pt"
      --source "$repo/common/src/main/torchscript/decoder_kernel.py"
      --plan "$here/plan.json")
if [[ -n "${OUT:-}" ]]; then
  mkdir -p "$OUT"
  args+=(--out "$OUT/gpu-check.jsonl")
fi
exec "$python" "$here/gpu_check.py" "${args[@]}" "$@"
