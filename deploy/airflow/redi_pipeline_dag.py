"""Scheduled redi-spark pipeline: one SparkSubmitOperator task per stage, in the pipeline's order.

Each task runs `redi <stage> --run-dir <dir>` under spark-submit. Stages skip themselves when their config hash and
input fingerprints match manifest.json, so a retried or re-scheduled task redoes only what changed; a run that
failed halfway resumes at the failed stage.

Settings:
  Airflow Variable redi_run_root   where runs go, default s3a://my-bucket/redi/runs (one directory per logical
                                   date); read when a task runs (templated), not when the DAG is parsed
  env REDI_JARS_DIR     the jobs jar redi-spark-jobs.jar and its dependencies, default /opt/redi/jars (the layout
                        of deploy/Dockerfile's image)
  env REDI_CONF_FILE    a redi config file (--conf), default none (the embedded conf/local.conf)
  env REDI_GPUS         GPUs per executor for the training stages, default 0
The Spark connection `spark_default` says where to submit (standalone, YARN or Kubernetes master). Credentials for
s3a:// come from the workers' environment or instance role, never from the DAG.
"""

from __future__ import annotations

import glob
import os
import re
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

STAGES = ["generate", "label", "split", "train-sft", "train-redi", "eval", "report"]
TRAINING = {"train-sft", "train-redi"}
EXECUTOR_CORES = 4
# One run directory per logical date; every stage task of a DAG run works on the same one.
RUN_DIR = "{{ var.value.get('redi_run_root', 's3a://my-bucket/redi/runs') }}/{{ ds_nodash }}"


def _jvm_flags() -> str:
    """The Java 17 flags Spark needs: the parent pom's spark.jvm.flags when the checkout is here."""
    pom = os.path.join(os.path.dirname(__file__), "..", "..", "pom.xml")
    if os.path.exists(pom):
        with open(pom, encoding="utf-8") as f:
            found = re.search(r"<spark.jvm.flags>(.*)</spark.jvm.flags>", f.read())
            if found:
                return found.group(1)
    return "-Dio.netty.tryReflectionSetAccessible=true"


def _spark_conf(stage: str) -> dict[str, str]:
    flags = _jvm_flags()
    conf = {
        "spark.driver.extraJavaOptions": f"{flags} -Djava.awt.headless=true",
        "spark.executor.extraJavaOptions": f"{flags} -Dai.djl.pytorch.num_interop_threads=1",
        # libtorch's native memory lives outside the heap.
        "spark.executor.memoryOverhead": "6g",
        "spark.executorEnv.OMP_WAIT_POLICY": "PASSIVE",
        "spark.executorEnv.GOMP_SPINCOUNT": "10000",
        # Authenticated, encrypted Spark RPC: it carries the training ring's run secret to the executors. YARN and
        # Kubernetes make the shared secret per application; a standalone cluster needs spark.authenticate.secret in
        # spark-defaults.conf on every node, the Airflow worker included.
        "spark.authenticate": "true",
        "spark.network.crypto.enabled": "true",
        "spark.hadoop.fs.s3a.aws.credentials.provider":
            "software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider",
    }
    if stage in TRAINING:
        # A barrier stage: executors must not come and go while it trains.
        conf["spark.dynamicAllocation.enabled"] = "false"
        # One replica per executor JVM, owning its cores (libtorch threads) and the JVM's autograd collector.
        conf["spark.task.cpus"] = str(EXECUTOR_CORES)
        gpus = os.environ.get("REDI_GPUS", "0")
        if gpus != "0":
            conf["spark.executor.resource.gpu.amount"] = gpus
            conf["spark.task.resource.gpu.amount"] = "1"
            conf["spark.executor.resource.gpu.discoveryScript"] = "/opt/redi/deploy/gpu-discovery.sh"
    return conf


def _stage_task(stage: str) -> SparkSubmitOperator:
    jars_dir = os.environ.get("REDI_JARS_DIR", "/opt/redi/jars")
    app_jar = os.path.join(jars_dir, "redi-spark-jobs.jar")
    arguments = [stage, "--run-dir", RUN_DIR]
    conf_file = os.environ.get("REDI_CONF_FILE", "")
    if conf_file:
        arguments += ["--conf", conf_file]
    dependency_jars = sorted(j for j in glob.glob(os.path.join(jars_dir, "*.jar")) if j != app_jar)
    return SparkSubmitOperator(
        task_id=stage.replace("-", "_"),
        conn_id="spark_default",
        application=app_jar,
        java_class="redispark.jobs.cli.RediCli",
        application_args=arguments,
        jars=",".join(dependency_jars) or None,
        conf=_spark_conf(stage),
        name=f"redi-{stage}",
        driver_memory="8g",
        executor_memory="8g",
        executor_cores=EXECUTOR_CORES,
        verbose=False,
    )


with DAG(
    dag_id="redi_pipeline",
    description="redi-spark: generate, label, split, train-sft, train-redi, eval, report",
    start_date=datetime(2026, 1, 1),
    schedule="@weekly",
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=10)},
    tags=["redi-spark"],
) as dag:
    previous = None
    for name in STAGES:
        task = _stage_task(name)
        if previous is not None:
            previous >> task
        previous = task
