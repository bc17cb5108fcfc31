"""The demo bookings tables as Greenplum sees them: columns for the PXF external tables (stg) and the
stage tables (stage), and the SQL both bookings DAGs run. Shared so the two cannot drift apart."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Tuple

PXF_SERVER = "bookings-db"
EXTERNAL_SCHEMA = "stg"
STAGE_SCHEMA = "stage"


@dataclass(frozen=True)
class SourceTable:
    name: str
    columns: Tuple[Tuple[str, str], ...]
    distributed_by: Tuple[str, ...]

    def column_list(self) -> str:
        return ", ".join(f"{c} {t}" for c, t in self.columns)


# Types as Greenplum declares them; jsonb arrives through PXF JDBC as text.
TABLES: List[SourceTable] = [
    SourceTable("airports", (("airport_code", "char(3)"), ("airport_name", "text"), ("city", "text"),
                             ("longitude", "float8"), ("latitude", "float8"), ("timezone", "text")), ("airport_code",)),
    SourceTable("aircrafts", (("aircraft_code", "char(3)"), ("model", "text"), ("range", "integer")), ("aircraft_code",)),
    SourceTable("seats", (("aircraft_code", "char(3)"), ("seat_no", "varchar(4)"), ("fare_conditions", "varchar(10)")),
                ("aircraft_code",)),
    SourceTable("flights", (("flight_id", "integer"), ("flight_no", "char(6)"), ("scheduled_departure", "timestamptz"),
                            ("scheduled_arrival", "timestamptz"), ("departure_airport", "char(3)"),
                            ("arrival_airport", "char(3)"), ("status", "varchar(20)"), ("aircraft_code", "char(3)"),
                            ("actual_departure", "timestamptz"), ("actual_arrival", "timestamptz")), ("flight_id",)),
    SourceTable("bookings", (("book_ref", "char(6)"), ("book_date", "timestamptz"), ("total_amount", "numeric(10,2)")),
                ("book_ref",)),
    SourceTable("tickets", (("ticket_no", "char(13)"), ("book_ref", "char(6)"), ("passenger_id", "varchar(20)"),
                            ("passenger_name", "text"), ("contact_data", "text")), ("ticket_no",)),
    SourceTable("ticket_flights", (("ticket_no", "char(13)"), ("flight_id", "integer"),
                                   ("fare_conditions", "varchar(10)"), ("amount", "numeric(10,2)")), ("ticket_no",)),
    SourceTable("boarding_passes", (("ticket_no", "char(13)"), ("flight_id", "integer"), ("boarding_no", "integer"),
                                    ("seat_no", "varchar(4)")), ("ticket_no",)),
]


def create_schemas_sql() -> List[str]:
    return [f"CREATE SCHEMA IF NOT EXISTS {EXTERNAL_SCHEMA}", f"CREATE SCHEMA IF NOT EXISTS {STAGE_SCHEMA}"]


def external_table_sql(t: SourceTable) -> List[str]:
    """A readable PXF external table over bookings.<name> in the source database (JDBC profile)."""
    return [
        f"DROP EXTERNAL TABLE IF EXISTS {EXTERNAL_SCHEMA}.ext_{t.name}",
        f"CREATE READABLE EXTERNAL TABLE {EXTERNAL_SCHEMA}.ext_{t.name} ({t.column_list()}) "
        f"LOCATION ('pxf://bookings.{t.name}?PROFILE=JDBC&SERVER={PXF_SERVER}') "
        f"FORMAT 'CUSTOM' (FORMATTER='pxfwritable_import')",
    ]


def stage_table_sql(t: SourceTable) -> List[str]:
    return [f"CREATE TABLE IF NOT EXISTS {STAGE_SCHEMA}.{t.name} ({t.column_list()}) "
            f"DISTRIBUTED BY ({', '.join(t.distributed_by)})"]


def load_sql(t: SourceTable) -> List[str]:
    """Full reload in the task's transaction: readers see the old rows or the new ones."""
    return [f"TRUNCATE {STAGE_SCHEMA}.{t.name}",
            f"INSERT INTO {STAGE_SCHEMA}.{t.name} SELECT * FROM {EXTERNAL_SCHEMA}.ext_{t.name}"]


def source_not_empty_sql(t: SourceTable) -> str:
    return f"SELECT count(*) > 0 FROM {EXTERNAL_SCHEMA}.ext_{t.name}"


def stage_matches_source_sql(t: SourceTable) -> str:
    return (f"SELECT s.n > 0 AND s.n = e.n FROM (SELECT count(*) AS n FROM {STAGE_SCHEMA}.{t.name}) s, "
            f"(SELECT count(*) AS n FROM {EXTERNAL_SCHEMA}.ext_{t.name}) e")
