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

    def external_column_list(self) -> str:
        """Columns of the PXF external table: a type PXF's JDBC profile refuses arrives as text."""
        return ", ".join(f"{c} {PXF_READ_AS.get(t, t)}" for c, t in self.columns)

    def select_from_external(self) -> str:
        """The external table's columns cast back to the stage table's types."""
        return ", ".join(f"{c}::{t}" if t in PXF_READ_AS else c for c, t in self.columns)


# PXF 6.10's JDBC profile fails on timestamptz columns ("Field type 'TIMESTAMP_WITH_TIME_ZONE' ... is not
# supported"); as text the driver sends '2017-08-15 12:00:00+03', offset included, so the cast back is exact.
PXF_READ_AS = {"timestamptz": "text"}


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
        f"CREATE READABLE EXTERNAL TABLE {EXTERNAL_SCHEMA}.ext_{t.name} ({t.external_column_list()}) "
        f"LOCATION ('pxf://bookings.{t.name}?PROFILE=JDBC&SERVER={PXF_SERVER}') "
        f"FORMAT 'CUSTOM' (FORMATTER='pxfwritable_import')",
    ]


def stage_table_sql(t: SourceTable) -> List[str]:
    return [f"CREATE TABLE IF NOT EXISTS {STAGE_SCHEMA}.{t.name} ({t.column_list()}) "
            f"DISTRIBUTED BY ({', '.join(t.distributed_by)})"]


def load_sql(t: SourceTable) -> List[str]:
    """Full reload in the task's transaction: readers see the old rows or the new ones."""
    return [f"TRUNCATE {STAGE_SCHEMA}.{t.name}",
            f"INSERT INTO {STAGE_SCHEMA}.{t.name} SELECT {t.select_from_external()} FROM {EXTERNAL_SCHEMA}.ext_{t.name}"]


def source_not_empty_sql(t: SourceTable) -> str:
    return f"SELECT count(*) > 0 FROM {EXTERNAL_SCHEMA}.ext_{t.name}"


def stage_matches_source_sql(t: SourceTable) -> str:
    return (f"SELECT s.n > 0 AND s.n = e.n FROM (SELECT count(*) AS n FROM {STAGE_SCHEMA}.{t.name}) s, "
            f"(SELECT count(*) AS n FROM {EXTERNAL_SCHEMA}.ext_{t.name}) e")
