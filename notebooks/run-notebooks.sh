#!/usr/bin/env bash
# Executes every notebook in notebooks/ headless against a small finished run and fails when a cell errors or a
# notebook shows no plot. CI runs it after the test suite (.ci/run).
#
#   notebooks/run-notebooks.sh                 # run dir: the test suite's small run, else a tiny pipeline run
#   REDI_RUN_DIR=runs/demo notebooks/run-notebooks.sh
#
# Steps: Jupyter from Debian packages when missing; the project jars (`mvn package` unless `mvn verify` left them);
# the kernel (notebooks/kernel, a separate small build) installed offline as a kernelspec under notebooks/target;
# `jupyter nbconvert --execute` per notebook into notebooks/target/executed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
out="$root/notebooks/target"
mkdir -p "$out/executed"

if ! command -v jupyter-nbconvert >/dev/null 2>&1; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends \
    jupyter-core jupyter-nbconvert python3-nbclient
fi

version="$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -n 1)"
jobs_jar="$root/jobs/target/redi-spark-jobs-$version.jar"
if [[ ! -f "$jobs_jar" || ! -f jobs/target/classpath-runtime.txt || ! -f jobs/target/classpath-provided.txt ]]; then
  mvn -B -ntp -q -DskipTests package
fi
mvn -B -ntp -q -f notebooks/kernel/pom.xml package

# The kernelspec: the project's classpath (Spark, redi-spark, XChart) first, then the kernel and its library.
kernel_dir="$out/jupyter/kernels/redi-java"
mkdir -p "$kernel_dir"
classpath="$jobs_jar:$(cat jobs/target/classpath-runtime.txt):$(cat jobs/target/classpath-provided.txt)"
classpath+=":$root/notebooks/kernel/target/redi-spark-notebook-kernel-$version.jar"
classpath+=":$(cat notebooks/kernel/target/classpath.txt)"
flags="$(sed -n 's:.*<spark.jvm.flags>\(.*\)</spark.jvm.flags>.*:\1:p' pom.xml)"
/usr/bin/python3 - "$kernel_dir/kernel.json" "$classpath" $flags <<'EOF'
import json, sys
target, classpath, flags = sys.argv[1], sys.argv[2], sys.argv[3:]
argv = ["java", "-Xmx3g", *flags, "-Djava.awt.headless=true", "-cp", classpath,
        "redispark.notebook.JShellKernel", "{connection_file}"]
spec = {"argv": argv, "display_name": "Java (redi-spark)", "language": "java",
        "env": {"SPARK_LOCAL_IP": "127.0.0.1", "OMP_WAIT_POLICY": "PASSIVE"}}
with open(target, "w") as f:
    json.dump(spec, f, indent=1)
EOF
export JUPYTER_PATH="$out/jupyter"

# A finished run: $REDI_RUN_DIR, else the newest small run the test suite left in jobs/target, else a tiny one.
finished() {
  [[ -f "$1/report/index.html" ]] && [[ "$(grep -c '"status" : "done"' "$1/manifest.json" 2>/dev/null)" == 7 ]]
}
run="${REDI_RUN_DIR:-}"
if [[ -z "$run" ]]; then
  for candidate in $(ls -dt jobs/target/small-run-* 2>/dev/null); do
    if finished "$candidate"; then
      run="$root/$candidate"
      break
    fi
  done
fi
if [[ -z "$run" ]]; then
  run="$out/run"
  bin/redi pipeline --run-dir "$run" --set problems.count=24 --set problems.heldout-count=4 \
    --set train.sft.epochs=1 --set train.sft.batch-size=8 --set train.redi.batch-size=4 \
    --set train.max-steps=4 --set eval.samples=1 --set eval.max-new-tokens=32
fi
finished "$run" || { echo "run-notebooks: $run is not a finished run" >&2; exit 1; }
run="$(cd "$run" && pwd)" # the kernels start in notebooks/
echo "[notebooks] run directory: $run"

export REDI_RUN_DIR="$run"
for notebook in notebooks/*.ipynb; do
  started=$SECONDS
  rm -f "$out/executed/$(basename "$notebook")"
  # Fails (non-zero) on the first cell that raises an error.
  jupyter-nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=redi-java \
    --ExecutePreprocessor.timeout=600 --output-dir "$out/executed" "$notebook"
  echo "[notebooks] $notebook executed in $((SECONDS - started)) s"
done

# Every executed notebook: no error output, and at least one PNG plot.
/usr/bin/python3 - "$out"/executed/*.ipynb <<'EOF'
import json, sys
for path in sys.argv[1:]:
    with open(path) as f:
        cells = json.load(f)["cells"]
    outputs = [o for c in cells if c["cell_type"] == "code" for o in c.get("outputs", [])]
    errors = [o for o in outputs if o.get("output_type") == "error"]
    pngs = sum(1 for o in outputs if "image/png" in o.get("data", {}))
    if errors:
        sys.exit(f"run-notebooks: {path}: {errors[0].get('ename')}: {errors[0].get('evalue')}")
    if pngs == 0:
        sys.exit(f"run-notebooks: {path}: no image/png output")
    print(f"[notebooks] {path}: {len(outputs)} outputs, {pngs} plots")
EOF
