"""partitioning_tool_migrations: checks that the partitioning_tool SQL this image carries is applied to Greenplum.

The tools have one schema history, the stack's: SqlMigrations (homeworks/partitions) applies them before Airflow
starts and records each file in public.lab_migrations. This DAG only reads that table, so a file the stack has not
applied fails the task by name instead of being applied a second time under another history."""
import os
from pathlib import Path

import pendulum
from airflow import DAG
from airflow.exceptions import AirflowException
from airflow.hooks.base import BaseHook
from airflow.operators.python import PythonOperator

MIGRATIONS = os.environ.get("PARTITIONING_MIGRATIONS_DIR", "/opt/airflow/migrations/partitioning_tool")
# SqlMigrations' history table (providers/sqlMigrations): one row per applied file, id = file name without .sql.
HISTORY_TABLE = "public.lab_migrations"


def check_applied() -> None:
    import psycopg2  # Airflow's own metadata driver, in the image

    expected = sorted(p.stem for p in Path(MIGRATIONS).glob("*.sql"))
    if not expected:
        raise AirflowException(f"{MIGRATIONS}: no .sql files to check")
    # The URL comes from the Airflow connection `greenplum` (AIRFLOW_CONN_GREENPLUM), never from the DAG file.
    with psycopg2.connect(BaseHook.get_connection("greenplum").get_uri()) as conn, conn.cursor() as cur:
        cur.execute(f"SELECT id FROM {HISTORY_TABLE}")
        applied = {row[0] for row in cur.fetchall()}
    missing = [m for m in expected if m not in applied]
    if missing:
        raise AirflowException(
            f"partitioning_tool files not recorded in {HISTORY_TABLE}: {', '.join(missing)}; "
            "the partitions stack applies them (pulumi up)")
    print(f"partitioning_tool: all {len(expected)} files applied ({', '.join(expected)})")


with DAG(
    dag_id="partitioning_tool_migrations",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["partitioning"],
) as dag:
    PythonOperator(task_id="check_applied", python_callable=check_applied)
