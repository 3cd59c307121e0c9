#!/usr/bin/env bash
# Spark GPU discovery script (spark.{executor,worker,driver}.resource.gpu.discoveryScript): prints the GPUs this
# executor may use as Spark's ResourceInformation JSON, e.g. {"name": "gpu", "addresses": ["0", "1"]}.
# The addresses are nvidia-smi indices, narrowed to CUDA_VISIBLE_DEVICES when the node manager set it (YARN and
# Kubernetes device plugins do), so Spark hands a task exactly the devices its container was given.
set -euo pipefail

indices=()
if command -v nvidia-smi >/dev/null 2>&1; then
  while IFS= read -r line; do
    line="${line//[[:space:]]/}"
    [[ -n "$line" ]] && indices+=("$line")
  done < <(nvidia-smi --query-gpu=index --format=csv,noheader)
fi
if [[ -n "${CUDA_VISIBLE_DEVICES:-}" && "${CUDA_VISIBLE_DEVICES}" != "all" ]]; then
  IFS=',' read -r -a visible <<< "$CUDA_VISIBLE_DEVICES"
  if [[ ${#indices[@]} -eq 0 ]]; then
    indices=("${visible[@]}")
  else
    kept=()
    for i in "${indices[@]}"; do
      for v in "${visible[@]}"; do
        [[ "$i" == "${v//[[:space:]]/}" ]] && kept+=("$i")
      done
    done
    indices=("${kept[@]+"${kept[@]}"}")
  fi
fi

json=""
for i in "${indices[@]+"${indices[@]}"}"; do
  json+="${json:+, }\"$i\""
done
printf '{"name": "gpu", "addresses": [%s]}\n' "$json"
