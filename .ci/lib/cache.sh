# Sourced by every install step and by the test command: the one cache root and what lives under it.
# LAB_CACHE (default /var/cache/lab) may point at a folder that does not exist yet: it is created here.
export LAB_CACHE=${LAB_CACHE:-/var/cache/lab}
mkdir -p "$LAB_CACHE"
export PATRONI_VENV=${PATRONI_VENV:-$LAB_CACHE/venv/patroni}
export LAB_AIRFLOW_VENV=${LAB_AIRFLOW_VENV:-$LAB_CACHE/venv/airflow}
export LAB_S3_VENV=${LAB_S3_VENV:-$LAB_CACHE/venv/s3}
export LAB_KAFKA_HOME=${LAB_KAFKA_HOME:-$LAB_CACHE/kafka}
export LAB_PIP_CACHE=$LAB_CACHE/pip
export LAB_M2=$LAB_CACHE/m2
