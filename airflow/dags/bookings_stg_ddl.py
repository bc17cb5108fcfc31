"""bookings_stg_ddl: PXF external tables in Greenplum (schema stg) over the demo bookings database,
then a check that each one returns rows (the seed's empty bookings.bookings would fail here)."""
import pendulum
from airflow import DAG
from airflow.providers.common.sql.operators.sql import SQLCheckOperator, SQLExecuteQueryOperator

from bookings_tables import TABLES, create_schemas_sql, external_table_sql, source_not_empty_sql

with DAG(
    dag_id="bookings_stg_ddl",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["greenplum-pxf", "bookings"],
) as dag:
    schemas = SQLExecuteQueryOperator(task_id="create_schemas", conn_id="greenplum", sql=create_schemas_sql())
    for table in TABLES:
        ddl = SQLExecuteQueryOperator(task_id=f"ext_{table.name}", conn_id="greenplum", sql=external_table_sql(table))
        check = SQLCheckOperator(task_id=f"check_ext_{table.name}", conn_id="greenplum", sql=source_not_empty_sql(table))
        schemas >> ddl >> check
