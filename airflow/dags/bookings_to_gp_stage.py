"""bookings_to_gp_stage: reload Greenplum stage tables from the PXF external tables bookings_stg_ddl made,
then check each stage table holds exactly the source's rows (and some)."""
import pendulum
from airflow import DAG
from airflow.providers.common.sql.operators.sql import SQLCheckOperator, SQLExecuteQueryOperator

from bookings_tables import TABLES, load_sql, stage_matches_source_sql, stage_table_sql

with DAG(
    dag_id="bookings_to_gp_stage",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["greenplum-pxf", "bookings"],
) as dag:
    for table in TABLES:
        create = SQLExecuteQueryOperator(task_id=f"create_{table.name}", conn_id="greenplum", sql=stage_table_sql(table))
        load = SQLExecuteQueryOperator(task_id=f"load_{table.name}", conn_id="greenplum", sql=load_sql(table), autocommit=False)
        check = SQLCheckOperator(task_id=f"check_{table.name}", conn_id="greenplum", sql=stage_matches_source_sql(table))
        create >> load >> check
