"""Airflow is configured before its first import: a throwaway AIRFLOW_HOME, no examples, no database needed."""
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "airflow" / "dags"
GENERATOR = REPO / "images" / "airflow"
CONFIGS = REPO / "airflow" / "partitioning_configs" / "greenplum"

os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="lab-airflow-home-"))
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
os.environ.pop("PARTITIONING_CONFIGS_DIR", None)
# As in the image: the generator on the Python path (plugins/), the dags folder too (Airflow adds it).
for p in (str(GENERATOR), str(DAGS)):
    if p not in sys.path:
        sys.path.insert(0, p)
