"""simple_dag (cdc-datavault homework): copies per-day departure figures from the primary (bookings schema)
into the `presentation` table of the presentation PostgreSQL (port 5436).

The copy itself is `copy_presentation(source, target)` on two DB-API connections, so it runs (and is tested)
without Airflow; the DAG only hands it the connections `lab_primary` and `lab_presentation`.
"""
from datetime import datetime, timedelta

# What the DAG reads from the primary: one row per day (UTC) and departure airport.
EXTRACT_SQL = """
SELECT (f.scheduled_departure AT TIME ZONE 'UTC')::date AS flight_date,
       f.departure_airport,
       count(DISTINCT f.flight_id)::int AS flights,
       count(tf.ticket_no)::int AS passengers,
       coalesce(sum(tf.amount), 0)::numeric(14,2) AS revenue
FROM bookings.flights f
LEFT JOIN bookings.ticket_flights tf ON tf.flight_id = f.flight_id
GROUP BY 1, 2
ORDER BY 1, 2
"""

# Upsert by the primary key: a re-run replaces the figures, it never adds rows.
LOAD_SQL = """
INSERT INTO public.presentation (flight_date, departure_airport, flights, passengers, revenue, loaded_at)
VALUES (%s, %s, %s, %s, %s, now())
ON CONFLICT (flight_date, departure_airport) DO UPDATE
SET flights = EXCLUDED.flights, passengers = EXCLUDED.passengers, revenue = EXCLUDED.revenue, loaded_at = EXCLUDED.loaded_at
"""

SOURCE_CONN_ID = "lab_primary"
TARGET_CONN_ID = "lab_presentation"


def copy_presentation(source, target):
    """Reads EXTRACT_SQL from `source` and upserts every row into `target` in one transaction; returns the count."""
    with source.cursor() as cur:
        cur.execute(EXTRACT_SQL)
        rows = cur.fetchall()
    with target.cursor() as cur:
        cur.executemany(LOAD_SQL, rows)
    target.commit()
    return len(rows)


def _copy_task():
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    source = PostgresHook(postgres_conn_id=SOURCE_CONN_ID).get_conn()
    target = PostgresHook(postgres_conn_id=TARGET_CONN_ID).get_conn()
    try:
        copied = copy_presentation(source, target)
    finally:
        source.close()
        target.close()
    if copied == 0:
        raise ValueError("simple_dag: the primary returned no rows from bookings.flights; is the bookings schema loaded?")
    print(f"simple_dag: copied {copied} presentation rows")
    return copied


try:
    from airflow import DAG
    from airflow.operators.python import PythonOperator
except ImportError:  # imported by the tests without Airflow: only copy_presentation is needed there
    DAG = None

if DAG is not None:
    with DAG(
        dag_id="simple_dag",
        description="primary (bookings) -> presentation table on the 5436 PostgreSQL",
        start_date=datetime(2024, 3, 1),
        schedule="@hourly",
        catchup=False,
        default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
        tags=["cdc-datavault"],
    ) as dag:
        PythonOperator(task_id="copy_to_presentation", python_callable=_copy_task)
