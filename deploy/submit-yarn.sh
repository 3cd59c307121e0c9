#!/usr/bin/env bash
# Runs a redi verb on YARN through spark-submit (cluster mode: the driver runs in the application master).
#
#   HADOOP_CONF_DIR=/etc/hadoop/conf deploy/submit-yarn.sh pipeline --run-dir s3a://bucket/runs/r1
#
# REDI_QUEUE (default), REDI_NUM_EXECUTORS (2), REDI_DEPLOY_MODE (cluster), REDI_CONF_FILE (a redi config file on
# this machine: shipped with --files and passed as --conf), plus the settings of deploy/common.sh. With
# REDI_GPUS_PER_EXECUTOR > 0, YARN must schedule yarn.io/gpu (resource-types.xml; Spark maps
# spark.executor.resource.gpu.amount onto it); the discovery script is shipped.
set -euo pipefail
# shellcheck source=deploy/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ $# -ge 1 ]] || redi_usage "$0"

: "${HADOOP_CONF_DIR:?set HADOOP_CONF_DIR to the cluster client configuration}"
: "${REDI_QUEUE:=default}"
: "${REDI_NUM_EXECUTORS:=2}"
: "${REDI_DEPLOY_MODE:=cluster}"
# --files puts the script in every container's working directory.
: "${REDI_GPU_DISCOVERY:=./gpu-discovery.sh}"
redi_common_args "$1"
redi_security_args yarn
files="$redi_root/deploy/gpu-discovery.sh"
redi_args=("$@")
if [[ -n "${REDI_CONF_FILE:-}" ]]; then
  files+=",$REDI_CONF_FILE"
  redi_args+=(--conf "$(basename "$REDI_CONF_FILE")")
fi
redi_conf+=(
  --queue "$REDI_QUEUE"
  --num-executors "$REDI_NUM_EXECUTORS"
  --files "$files"
  # A driver that died is not retried by YARN: rerunning the pipeline resumes from the manifest instead.
  --conf "spark.yarn.maxAppAttempts=1"
  --conf "spark.yarn.appMasterEnv.OMP_WAIT_POLICY=PASSIVE"
  --conf "spark.yarn.appMasterEnv.GOMP_SPINCOUNT=10000"
)

submit="$(redi_spark_submit)"
exec "$submit" --master yarn --deploy-mode "$REDI_DEPLOY_MODE" "${redi_conf[@]}" "$REDI_APP_JAR" "${redi_args[@]}"
