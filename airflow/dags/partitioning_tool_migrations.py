"""partitioning_tool_migrations: applies sql/partitioning_tool to Greenplum with yoyo (the worker image
carries yoyo-migrations and the files), so the partition DAGs find their functions."""
import os

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator

MIGRATIONS = os.environ.get("PARTITIONING_MIGRATIONS_DIR", "/opt/airflow/migrations/partitioning_tool")

with DAG(
    dag_id="partitioning_tool_migrations",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["partitioning"],
) as dag:
    BashOperator(
        task_id="yoyo_apply",
        # The URL comes from the Airflow connection `greenplum`; env keeps it out of the rendered command line.
        bash_command='yoyo apply --batch --no-config-file --database "$YOYO_DATABASE" "$MIGRATIONS"',
        env={"YOYO_DATABASE": "{{ conn.greenplum.get_uri() }}", "MIGRATIONS": MIGRATIONS},
        append_env=True,
    )
