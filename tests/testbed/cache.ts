// Where .ci/install.sh put what the real tests run: one cache root (LAB_CACHE), the same defaults as .ci/lib/cache.sh.
import * as path from "path";

export const LAB_CACHE = process.env.LAB_CACHE ?? "/var/cache/lab";
export const PATRONI_VENV = process.env.PATRONI_VENV ?? path.join(LAB_CACHE, "venv", "patroni");
export const AIRFLOW_VENV = process.env.LAB_AIRFLOW_VENV ?? path.join(LAB_CACHE, "venv", "airflow");
export const S3_VENV = process.env.LAB_S3_VENV ?? path.join(LAB_CACHE, "venv", "s3");
export const KAFKA_HOME = process.env.LAB_KAFKA_HOME ?? path.join(LAB_CACHE, "kafka");
