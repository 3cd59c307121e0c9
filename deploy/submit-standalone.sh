#!/usr/bin/env bash
# Runs a redi verb on a Spark standalone cluster through spark-submit (client mode: the driver runs here).
#
#   REDI_MASTER=spark://master:7077 deploy/submit-standalone.sh pipeline --run-dir s3a://bucket/runs/r1
#
# REDI_MASTER (default spark://127.0.0.1:7077), REDI_DEPLOY_MODE (client), REDI_TOTAL_CORES (all the cluster's)
# and the settings of deploy/common.sh. The run directory must be reachable from the driver and every executor
# (s3a://, HDFS, or a shared mount).
set -euo pipefail
# shellcheck source=deploy/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ $# -ge 1 ]] || redi_usage "$0"

: "${REDI_MASTER:=spark://127.0.0.1:7077}"
: "${REDI_DEPLOY_MODE:=client}"
# Workers run from a checkout or an image that has the script at the same path.
: "${REDI_GPU_DISCOVERY:=$redi_root/deploy/gpu-discovery.sh}"
redi_common_args "$1"
redi_security_args standalone
if [[ -n "${REDI_TOTAL_CORES:-}" ]]; then
  redi_conf+=(--total-executor-cores "$REDI_TOTAL_CORES")
fi

submit="$(redi_spark_submit)"
exec "$submit" --master "$REDI_MASTER" --deploy-mode "$REDI_DEPLOY_MODE" "${redi_conf[@]}" "$REDI_APP_JAR" "$@"
