#!/usr/bin/env bash
# Runs a redi verb on Kubernetes through spark-submit (cluster mode, the image of deploy/Dockerfile).
#
#   REDI_K8S_MASTER=k8s://https://api.example:6443 REDI_IMAGE=registry.example/redi-spark:0.1.0 \
#     deploy/submit-k8s.sh pipeline --run-dir s3a://bucket/runs/r1
#
# REDI_NAMESPACE (redi), REDI_SERVICE_ACCOUNT (spark), REDI_NUM_EXECUTORS (2), plus deploy/common.sh. The jars
# are inside the image (local:// paths), so nothing is uploaded. s3a:// credentials come from the pods'
# environment or their IAM role (IRSA / instance profile), never from this script.
set -euo pipefail
# shellcheck source=deploy/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ $# -ge 1 ]] || redi_usage "$0"

: "${REDI_K8S_MASTER:?set REDI_K8S_MASTER, e.g. k8s://https://kubernetes.default.svc}"
: "${REDI_IMAGE:?set REDI_IMAGE to the image built from deploy/Dockerfile}"
: "${REDI_NAMESPACE:=redi}"
: "${REDI_SERVICE_ACCOUNT:=spark}"
: "${REDI_NUM_EXECUTORS:=2}"
# Paths inside the image (deploy/Dockerfile).
REDI_APP_JAR="local:///opt/redi/jars/redi-spark-jobs.jar"
REDI_JARS=""
: "${REDI_GPU_DISCOVERY:=/opt/redi/deploy/gpu-discovery.sh}"
redi_common_args "$1"
redi_security_args k8s
redi_conf+=(
  --conf "spark.kubernetes.namespace=$REDI_NAMESPACE"
  --conf "spark.kubernetes.container.image=$REDI_IMAGE"
  --conf "spark.kubernetes.authenticate.driver.serviceAccountName=$REDI_SERVICE_ACCOUNT"
  --conf "spark.executor.instances=$REDI_NUM_EXECUTORS"
  --conf "spark.driver.extraClassPath=/opt/redi/jars/*"
  --conf "spark.executor.extraClassPath=/opt/redi/jars/*"
  --conf "spark.kubernetes.driverEnv.OMP_WAIT_POLICY=PASSIVE"
  --conf "spark.kubernetes.driverEnv.GOMP_SPINCOUNT=10000"
)
if [[ "$REDI_GPUS_PER_EXECUTOR" != "0" ]]; then
  redi_conf+=(--conf "spark.executor.resource.gpu.vendor=nvidia.com")
fi

submit="$(redi_spark_submit)"
exec "$submit" --master "$REDI_K8S_MASTER" --deploy-mode cluster "${redi_conf[@]}" "$REDI_APP_JAR" "$@"
