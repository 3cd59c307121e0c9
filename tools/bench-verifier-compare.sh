#!/usr/bin/env bash
# Verifier throughput of two builds, interleaved on the same machine: `redi bench verifier` with a reference
# common jar (a copy of common/target/redi-spark-common-*.jar from an earlier build) against the current tree's,
# ROUNDS times each, alternating so that both see the same load. Both run the current tree's bench code (only the
# verifier differs). Prints every line with the load, and the medians of per_s (wall clock) and cpu_per_s (calls per
# CPU-second of the bench thread, which a busy machine changes far less) with their ratios.
#   cp common/target/redi-spark-common-0.1.0-SNAPSHOT.jar /tmp/verifier-before.jar   # before changing the verifier
#   tools/bench-verifier-compare.sh /tmp/verifier-before.jar [INPUT.jsonl]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
reference="${1:?usage: tools/bench-verifier-compare.sh REFERENCE_COMMON_JAR [INPUT.jsonl]}"
input="${2:-$here/common/src/test/resources/verify/bench-mix.jsonl}"
rounds="${ROUNDS:-5}"
[[ -f "$reference" ]] || { echo "reference jar not found: $reference" >&2; exit 2; }
[[ -f "$input" ]] || { echo "input not found: $input" >&2; exit 2; }
"$here/bin/redi" --help >/dev/null # builds the current tree if its jars are stale
jobs_jar="$here/jobs/target/redi-spark-jobs-0.1.0-SNAPSHOT.jar"
current="$here/common/target/redi-spark-common-0.1.0-SNAPSHOT.jar"
runtime_cp="$(cat "$here/jobs/target/classpath-runtime.txt")"
provided_cp="$(cat "$here/jobs/target/classpath-provided.txt")"
flags=$(sed -n 's:.*<spark.jvm.flags>\(.*\)</spark.jvm.flags>.*:\1:p' "$here/pom.xml")

harness="$(mktemp -d)"
trap 'rm -rf "$harness"' EXIT
(cd "$harness" && unzip -q -o "$current" 'redispark/verify/VerifierBench*.class')

bench() { # the bench class, then the verifier's jar: its classes win over the current tree's
  # shellcheck disable=SC2086
  java -Xmx2g $flags -Djava.awt.headless=true -cp "$harness:$1:$jobs_jar:$runtime_cp:$provided_cp" \
    redispark.jobs.cli.RediCli bench verifier --input "$input" 2>/dev/null | tail -1
}

ref_rates=()
cur_rates=()
ref_cpu=()
cur_cpu=()
for round in $(seq "$rounds"); do
  for which in reference current; do
    jar=$([[ $which == reference ]] && echo "$reference" || echo "$current")
    load=$(cut -d' ' -f1 /proc/loadavg)
    line=$(bench "$jar")
    echo "round $round $which (load $load): $line"
    rate=$(sed -n 's/.* per_s=\([0-9]*\).*/\1/p' <<<"$line")
    cpu_rate=$(sed -n 's/.* cpu_per_s=\([0-9]*\).*/\1/p' <<<"$line")
    if [[ $which == reference ]]; then
      ref_rates+=("$rate")
      ref_cpu+=("$cpu_rate")
    else
      cur_rates+=("$rate")
      cur_cpu+=("$cpu_rate")
    fi
  done
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for kind in per_s cpu_per_s; do
  if [[ $kind == per_s ]]; then
    ref=$(median "${ref_rates[@]}")
    cur=$(median "${cur_rates[@]}")
  else
    ref=$(median "${ref_cpu[@]}")
    cur=$(median "${cur_cpu[@]}")
  fi
  awk -v k="$kind" -v r="$ref" -v c="$cur" \
    'BEGIN { printf "median %s reference=%d current=%d ratio=%.2f\n", k, r, c, c / r }'
done
