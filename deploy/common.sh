# Shared by submit-standalone.sh, submit-yarn.sh and submit-k8s.sh (sourced, not run): where the jars are, the JVM
# flags and the Spark settings every cluster gets. Each setting can be overridden from the environment:
#
#   SPARK_HOME                 Spark 4.2 distribution whose bin/spark-submit is used (else spark-submit on PATH)
#   REDI_APP_JAR               the jobs jar (default: jobs/target/redi-spark-jobs-<version>.jar of this checkout)
#   REDI_JARS                  comma-separated dependency jars shipped with --jars (default: jobs/target/
#                              classpath-runtime.txt, written by `mvn package`; empty when the image has them)
#   REDI_DRIVER_MEMORY         driver heap (default 8g)
#   REDI_EXECUTOR_MEMORY       executor heap (default 8g)
#   REDI_EXECUTOR_OVERHEAD     off-heap room per executor for libtorch (default 6g, see below)
#   REDI_EXECUTOR_CORES        cores per executor (default 4)
#   REDI_TORCH_THREADS         PyTorch intra-op threads per task (default: REDI_EXECUTOR_CORES)
#   REDI_GPUS_PER_EXECUTOR     GPUs per executor; 0 (default) = CPU only, no GPU scheduling
#   REDI_GPU_DISCOVERY         the discovery script as the executors see it (each launcher sets its default)
#   REDI_SPARK_CONF            extra "--conf k=v" arguments, space-separated
#   REDI_SPARK_AUTHENTICATE    true (default): Spark's RPC authentication and AES encryption, which carry the
#                              training ring's run secret to the executors; false only on a network you trust
#
# Spark's shared secret (spark.authenticate.secret) is never passed on the command line. YARN and Kubernetes make
# one per application; a standalone cluster needs the same secret on every node, so put it in
# $SPARK_CONF_DIR/spark-defaults.conf (default $SPARK_HOME/conf, mode 600) on the master, every worker and the
# machine that submits -- submit-standalone.sh stops with a message when it is missing.
#
# Credentials for s3a:// are never set here or in any file: hadoop-aws's provider chain reads the environment
# (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN), the AWS profile and container/instance roles.

redi_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
redi_version="$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$redi_root/pom.xml" | head -n 1)"

: "${REDI_APP_JAR:=$redi_root/jobs/target/redi-spark-jobs-$redi_version.jar}"
if [[ -z "${REDI_JARS+set}" ]]; then
  if [[ -f "$redi_root/jobs/target/classpath-runtime.txt" ]]; then
    REDI_JARS="$(tr ':' ',' < "$redi_root/jobs/target/classpath-runtime.txt")"
  else
    REDI_JARS=""
  fi
fi
: "${REDI_DRIVER_MEMORY:=8g}"
: "${REDI_EXECUTOR_MEMORY:=8g}"
# libtorch lives outside the Java heap: ~450 MB of native libraries, its allocator's arenas and every activation
# and gradient of the student. YARN and Kubernetes kill a container that exceeds heap + overhead, so the overhead
# is sized for the model rather than Spark's default 10 %.
: "${REDI_EXECUTOR_OVERHEAD:=6g}"
: "${REDI_EXECUTOR_CORES:=4}"
: "${REDI_TORCH_THREADS:=$REDI_EXECUTOR_CORES}"
: "${REDI_GPUS_PER_EXECUTOR:=0}"
: "${REDI_SPARK_AUTHENTICATE:=true}"

# The Java 17 module flags Spark needs, kept in one place: the parent pom's spark.jvm.flags.
redi_jvm_flags="$(sed -n 's:.*<spark.jvm.flags>\(.*\)</spark.jvm.flags>.*:\1:p' "$redi_root/pom.xml")"
redi_torch_flags="-Dai.djl.pytorch.num_threads=$REDI_TORCH_THREADS -Dai.djl.pytorch.num_interop_threads=1"

redi_spark_submit() {
  if [[ -n "${SPARK_HOME:-}" ]]; then
    echo "$SPARK_HOME/bin/spark-submit"
  elif command -v spark-submit >/dev/null 2>&1; then
    command -v spark-submit
  else
    echo "redi deploy: set SPARK_HOME to a Spark 4.2 distribution (or put spark-submit on PATH)" >&2
    return 1
  fi
}

# The verbs that train: they run one long barrier stage whose executors must not be taken away mid-step.
redi_trains() {
  case "${1:-}" in
    pipeline | train-sft | train-redi) return 0 ;;
    *) return 1 ;;
  esac
}

# Fills the array redi_conf with the --conf/--jars/--driver-* arguments common to every cluster manager.
# $1 = the redi verb (pipeline, generate, ...).
redi_common_args() {
  local verb="$1"
  redi_conf=(
    --class redispark.jobs.cli.RediCli
    --driver-memory "$REDI_DRIVER_MEMORY"
    --executor-memory "$REDI_EXECUTOR_MEMORY"
    --executor-cores "$REDI_EXECUTOR_CORES"
    --conf "spark.driver.extraJavaOptions=$redi_jvm_flags -Djava.awt.headless=true"
    --conf "spark.executor.extraJavaOptions=$redi_jvm_flags $redi_torch_flags"
    --conf "spark.executor.memoryOverhead=$REDI_EXECUTOR_OVERHEAD"
    --conf "spark.executorEnv.OMP_WAIT_POLICY=PASSIVE"
    --conf "spark.executorEnv.GOMP_SPINCOUNT=10000"
    --conf "spark.executorEnv.MALLOC_MMAP_THRESHOLD_=4294967296"
    --conf "spark.executorEnv.MALLOC_TRIM_THRESHOLD_=68719476736"
    # s3a:// run directories: AWS SDK v2's default chain (environment, profile, web identity, container and
    # instance roles) -- the v2 equivalent of DefaultAWSCredentialsProviderChain. Needs hadoop-aws (-Ps3).
    --conf "spark.hadoop.fs.s3a.aws.credentials.provider=software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider"
  )
  if redi_trains "$verb"; then
    # Training is a barrier stage: all its tasks start together and a lost executor fails the stage, so the
    # executor count must stay fixed while it runs.
    redi_conf+=(--conf "spark.dynamicAllocation.enabled=false")
    # One training replica per executor JVM: it owns the executor's cores (libtorch threads) and the JVM's single
    # autograd collector. For parallel generate/label/eval tasks, run those verbs separately (as the Airflow DAG does).
    redi_conf+=(--conf "spark.task.cpus=$REDI_EXECUTOR_CORES")
  fi
  if [[ "$REDI_GPUS_PER_EXECUTOR" != "0" ]]; then
    redi_conf+=(
      --conf "spark.executor.resource.gpu.amount=$REDI_GPUS_PER_EXECUTOR"
      # One GPU per task: a training worker owns its device.
      --conf "spark.task.resource.gpu.amount=1"
      --conf "spark.executor.resource.gpu.discoveryScript=$REDI_GPU_DISCOVERY"
    )
  fi
  if [[ -n "$REDI_JARS" ]]; then
    redi_conf+=(--jars "$REDI_JARS")
  fi
  local extra
  # shellcheck disable=SC2206
  extra=(${REDI_SPARK_CONF:-})
  redi_conf+=("${extra[@]}")
}

# Adds Spark's RPC authentication and encryption to redi_conf. $1 = the cluster manager: standalone, yarn or k8s.
# The training ring's run secret travels to the tasks inside the task closure over Spark's RPC; these keep it (and
# everything else on that channel) authenticated and encrypted.
redi_security_args() {
  local manager="$1"
  case "$REDI_SPARK_AUTHENTICATE" in
    true) ;;
    false)
      echo "redi deploy: REDI_SPARK_AUTHENTICATE=false: Spark's RPC is neither authenticated nor encrypted, so" \
        "anyone on the network can read the training ring's run secret" >&2
      return 0
      ;;
    *)
      echo "redi deploy: REDI_SPARK_AUTHENTICATE must be true or false, got '$REDI_SPARK_AUTHENTICATE'" >&2
      exit 2
      ;;
  esac
  if [[ "$manager" == standalone ]]; then
    local defaults="${SPARK_CONF_DIR:-${SPARK_HOME:-}/conf}/spark-defaults.conf"
    if ! grep -Eq '^[[:space:]]*spark\.authenticate\.secret[[:space:]=]+[^[:space:]]' "$defaults" 2>/dev/null; then
      echo "redi deploy: spark.authenticate needs spark.authenticate.secret on a standalone cluster: add" \
        "'spark.authenticate.secret <random string>' to $defaults (mode 600) here and on the master and every" \
        "worker (e.g. from 'openssl rand -hex 32'), or set REDI_SPARK_AUTHENTICATE=false on a trusted network" >&2
      exit 2
    fi
  fi
  # YARN and Kubernetes generate a secret per application and hand it to the executors themselves.
  redi_conf+=(
    --conf "spark.authenticate=true"
    --conf "spark.network.crypto.enabled=true"
  )
}

redi_usage() {
  echo "usage: $1 VERB --run-dir DIR [redi options...]   (VERB: pipeline, generate, label, split, train-sft," \
    "train-redi, eval, report)" >&2
  exit 2
}
