"""YAML -> Airflow DAGs for the Greenplum partition tools (homework `partitions`).

One DAG per YAML file; for every table, one task per step, in the order written, each calling a
partitioning_tool.fn_part_tools_* function in Greenplum. The decisions live in SQL; this module only
validates the config and orders the calls. A bad file raises ConfigError naming the file and the key.

    dag_id: partitioning_test_part        # optional, default partitioning_<file name>
    schedule: "@daily"                     # optional, default: manual runs only
    start_date: 2024-01-01                 # optional
    conn_id: greenplum                     # optional
    dry_run: false                         # optional: true only logs the DDL
    tables:
      - table: public.test_part
        steps:
          - add: {grain: 1 month, ahead: 1 month}     # the next partitions, so new rows miss the default one
          - split: {grain: 1 day, newer_than: 1 month} # at most merge's keep: else each run re-splits what merge made
          - merge: {grain: 1 month, keep: 1 month}
          - move: {older_than: 3 months, tablespace: cold}
          - unload_to_s3: {older_than: 6 months, bucket: dp-partition, drop_after: true}
          - drop: {retention: 12 months}
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import yaml

TOP_KEYS = {"dag_id", "schedule", "start_date", "conn_id", "dry_run", "tables", "tags"}
TABLE_KEYS = {"table", "steps"}
TABLE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*$")
DAG_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,250}$")
INTERVAL_RE = re.compile(
    r"^\s*\d+\s+(second|minute|hour|day|week|month|year)s?(\s+\d+\s+(second|minute|hour|day|week|month|year)s?)*\s*$")
BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
NOW = '{{ data_interval_end.strftime("%Y-%m-%d %H:%M:%S") }}'  # double quotes: the value is single-quoted in SQL


class ConfigError(ValueError):
    """A partition config that cannot become a DAG; the message names the file and the key."""


@dataclass(frozen=True)
class Param:
    """One argument of a step: its SQL parameter, whether required, how it is checked."""
    sql_name: str
    kind: str  # interval | tablespace | bucket | server | format | bool | timestamp
    required: bool = True
    default: Any = None


# Step name -> (SQL function, its YAML parameters). The SQL function gets p_table, these, p_now, p_dry_run.
STEPS: Dict[str, Tuple[str, Dict[str, Param], bool]] = {
    "add": ("fn_part_tools_add_partitions", {
        "grain": Param("p_grain", "interval"),
        "ahead": Param("p_ahead", "interval"),
        "anchor": Param("p_anchor", "timestamp", required=False),
    }, True),
    "split": ("fn_part_tools_split_partitions", {
        "grain": Param("p_grain", "interval"),
        "newer_than": Param("p_newer_than", "interval", required=False),
        "anchor": Param("p_anchor", "timestamp", required=False),
    }, True),
    "merge": ("fn_part_tools_merge_partitions", {
        "grain": Param("p_grain", "interval"),
        "keep": Param("p_keep", "interval", required=False, default="0 days"),
        "anchor": Param("p_anchor", "timestamp", required=False),
    }, True),
    "move": ("fn_part_tools_move_partitions", {
        "older_than": Param("p_older_than", "interval"),
        "tablespace": Param("p_tablespace", "tablespace"),
    }, True),
    "drop": ("fn_part_tools_drop_partitions", {
        "retention": Param("p_retention", "interval"),
    }, True),
    "unload_to_s3": ("fn_part_tools_unload_to_s3_partitions", {
        "older_than": Param("p_older_than", "interval"),
        "bucket": Param("p_bucket", "bucket", required=False, default="dp-partition"),
        "server": Param("p_server", "server", required=False, default="minio"),
        "format": Param("p_format", "format", required=False, default="parquet"),
        "drop_after": Param("p_drop_after", "bool", required=False, default=False),
    }, True),
}


@dataclass
class Step:
    name: str
    function: str
    args: Dict[str, Any]
    takes_now: bool


@dataclass
class TableSteps:
    table: str
    steps: List[Step]


@dataclass
class PartitionConfig:
    source: Path
    dag_id: str
    schedule: Optional[str]
    start_date: dt.datetime
    conn_id: str
    dry_run: bool
    tags: List[str]
    tables: List[TableSteps] = field(default_factory=list)


def sql_literal(value: Any) -> str:
    """A SQL literal for a checked value (strings quoted, quotes doubled; booleans bare)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "'" + str(value).replace("'", "''") + "'"


def step_sql(table: str, step: Step, dry_run: bool) -> str:
    """The SELECT a task runs; named arguments use := (PostgreSQL 9.4 / Greenplum 6)."""
    args = [f"p_table := {sql_literal(table)}"]
    args += [f"{name} := {sql_literal(value)}" for name, value in step.args.items()]
    if step.takes_now:
        args.append(f"p_now := {sql_literal(NOW)}")
    args.append(f"p_dry_run := {sql_literal(dry_run)}")
    return f"SELECT * FROM partitioning_tool.{step.function}({', '.join(args)})"


def _fail(source: Path, key: str, message: str) -> ConfigError:
    return ConfigError(f"{source}: {key}: {message}")


def _check_value(source: Path, key: str, kind: str, value: Any) -> Any:
    checks: Dict[str, Tuple[Callable[[Any], bool], str]] = {
        "interval": (lambda v: isinstance(v, str) and bool(INTERVAL_RE.match(v)), "an interval such as '1 day' or '3 months'"),
        "tablespace": (lambda v: isinstance(v, str) and bool(IDENT_RE.match(v)), "a tablespace name"),
        "bucket": (lambda v: isinstance(v, str) and bool(BUCKET_RE.match(v)), "an S3 bucket name (lowercase, 3-63 chars)"),
        "server": (lambda v: isinstance(v, str) and bool(re.match(r"^[A-Za-z0-9_.-]+$", v)), "a PXF server name"),
        "format": (lambda v: v in ("parquet", "text", "csv"), "parquet, text or csv"),
        "bool": (lambda v: isinstance(v, bool), "true or false"),
        "timestamp": (lambda v: isinstance(v, (dt.date, dt.datetime)) or (isinstance(v, str) and _parses_as_date(v)),
                      "a date such as 2000-01-01"),
    }
    ok, expected = checks[kind]
    if not ok(value):
        raise _fail(source, key, f"{value!r} is not {expected}")
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def _parses_as_date(text: str) -> bool:
    try:
        dt.datetime.fromisoformat(text)
        return True
    except ValueError:
        return False


def _mapping(source: Path, key: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _fail(source, key, f"must be a mapping, got {type(value).__name__}")
    return value


def _unknown(source: Path, key: str, given: Mapping[str, Any], allowed: set) -> None:
    extra = sorted(set(given) - allowed)
    if extra:
        raise _fail(source, f"{key}.{extra[0]}" if key else extra[0], f"unknown key (allowed: {', '.join(sorted(allowed))})")


def _parse_step(source: Path, key: str, raw: Any) -> Step:
    if not isinstance(raw, dict) or len(raw) != 1:
        raise _fail(source, key, f"must be a one-key mapping such as {{merge: {{grain: 1 month}}}}, got {raw!r}")
    (name, params), = raw.items()
    if name not in STEPS:
        raise _fail(source, f"{key}.{name}", f"unknown step (known: {', '.join(sorted(STEPS))})")
    function, spec, takes_now = STEPS[name]
    params = _mapping(source, f"{key}.{name}", params if params is not None else {})
    _unknown(source, f"{key}.{name}", params, set(spec))
    args: Dict[str, Any] = {}
    for pname, p in spec.items():
        if pname in params:
            args[p.sql_name] = _check_value(source, f"{key}.{name}.{pname}", p.kind, params[pname])
        elif p.required:
            raise _fail(source, f"{key}.{name}.{pname}", "is required")
        elif p.default is not None:
            args[p.sql_name] = p.default
    return Step(name, function, args, takes_now)


# Bounds of one unit in seconds (months and years vary), to compare two intervals without a calendar.
UNIT_SECONDS = {"second": (1, 1), "minute": (60, 60), "hour": (3600, 3600), "day": (86400, 86400),
                "week": (604800, 604800), "month": (28 * 86400, 31 * 86400), "year": (365 * 86400, 366 * 86400)}


def _interval_bounds(text: str) -> Tuple[int, int]:
    """(shortest, longest) length in seconds of an INTERVAL_RE interval."""
    lo = hi = 0
    for count, unit in re.findall(r"(\d+)\s+([a-z]+?)s?\b", text):
        a, b = UNIT_SECONDS[unit]
        lo += int(count) * a
        hi += int(count) * b
    return lo, hi


def _check_split_window(source: Path, key: str, steps: List[Step]) -> None:
    """Split and merge of one table must not undo each other: split only what is newer than merge's keep."""
    split = next(((i, s) for i, s in enumerate(steps) if s.name == "split"), None)
    merge = next((s for s in steps if s.name == "merge"), None)
    if split is None or merge is None:
        return
    i, step = split
    window, keep = step.args.get("p_newer_than"), str(merge.args.get("p_keep"))
    where = f"{key}.steps[{i}].split.newer_than"
    if window is None:
        raise _fail(source, where, f"is required when the table also merges (use merge's keep, {keep!r}): "
                                   "without it each run re-splits the buckets merge made")
    same = " ".join(window.split()) == " ".join(keep.split())
    if not same and _interval_bounds(window)[1] > _interval_bounds(keep)[0]:
        raise _fail(source, where, f"{window!r} is longer than merge's keep {keep!r}: "
                                   "split would re-split buckets merge made")


def parse_config(source: Path, raw: Any) -> PartitionConfig:
    """Validates one YAML document; raises ConfigError naming the file and the key."""
    top = _mapping(source, "(top level)", raw)
    _unknown(source, "", top, TOP_KEYS)
    dag_id = top.get("dag_id", f"partitioning_{source.stem}")
    if not isinstance(dag_id, str) or not DAG_ID_RE.match(dag_id):
        raise _fail(source, "dag_id", f"{dag_id!r} is not a valid DAG id")
    schedule = top.get("schedule")
    if schedule is not None and not isinstance(schedule, str):
        raise _fail(source, "schedule", f"{schedule!r} must be a cron string or preset such as '@daily'")
    start = top.get("start_date", dt.date(2024, 1, 1))
    if isinstance(start, str) and _parses_as_date(start):
        start = dt.datetime.fromisoformat(start)
    if not isinstance(start, (dt.date, dt.datetime)):
        raise _fail(source, "start_date", f"{start!r} is not a date such as 2024-01-01")
    start_date = start if isinstance(start, dt.datetime) else dt.datetime(start.year, start.month, start.day)
    conn_id = top.get("conn_id", "greenplum")
    if not isinstance(conn_id, str) or not conn_id:
        raise _fail(source, "conn_id", f"{conn_id!r} must be an Airflow connection id")
    dry_run = top.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise _fail(source, "dry_run", f"{dry_run!r} must be true or false")
    tags = top.get("tags", ["partitioning"])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise _fail(source, "tags", f"{tags!r} must be a list of strings")
    tables_raw = top.get("tables")
    if not isinstance(tables_raw, list) or not tables_raw:
        raise _fail(source, "tables", "must be a non-empty list of {table, steps}")
    config = PartitionConfig(source, dag_id, schedule, start_date, conn_id, dry_run, tags)
    seen = set()
    for i, entry in enumerate(tables_raw):
        key = f"tables[{i}]"
        entry = _mapping(source, key, entry)
        _unknown(source, key, entry, TABLE_KEYS)
        table = entry.get("table")
        if not isinstance(table, str) or not TABLE_RE.match(table):
            raise _fail(source, f"{key}.table", f"{table!r} must be schema.table, e.g. public.sales")
        if table in seen:
            raise _fail(source, f"{key}.table", f"{table} is listed twice")
        seen.add(table)
        steps_raw = entry.get("steps")
        if not isinstance(steps_raw, list) or not steps_raw:
            raise _fail(source, f"{key}.steps", "must be a non-empty list of steps")
        steps = [_parse_step(source, f"{key}.steps[{j}]", s) for j, s in enumerate(steps_raw)]
        _check_split_window(source, key, steps)
        config.tables.append(TableSteps(table, steps))
    return config


def load_config(path: Path) -> PartitionConfig:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: (yaml): {e}") from e
    return parse_config(path, raw)


def task_id(table: str, index: int, step: Step) -> str:
    return f"{table.replace('.', '__')}__{index:02d}_{step.name}"


def build_dag(config: PartitionConfig):
    """The DAG: per table a chain of SQL tasks in the order of its steps; tables run independently."""
    from airflow import DAG
    from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

    dag = DAG(
        dag_id=config.dag_id,
        schedule=config.schedule,
        start_date=config.start_date,
        catchup=False,
        max_active_runs=1,  # two runs reshaping the same partitions at once would fight
        tags=config.tags,
        doc_md=f"Generated from `{config.source.name}` by partition_dag_generator.",
    )
    with dag:
        for table in config.tables:
            previous = None
            for i, step in enumerate(table.steps, start=1):
                task = SQLExecuteQueryOperator(
                    task_id=task_id(table.table, i, step),
                    conn_id=config.conn_id,
                    sql=step_sql(table.table, step, config.dry_run),
                    autocommit=False,
                    show_return_value_in_logs=True,
                )
                if previous is not None:
                    previous >> task
                previous = task
    return dag


def dags_from_directory(directory: Path) -> Dict[str, Any]:
    """{dag_id: DAG} for every *.yaml / *.yml in directory; all problems reported together."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError(f"{directory}: (directory): no such directory of partition configs")
    dags: Dict[str, Any] = {}
    problems: List[str] = []
    for path in sorted(list(directory.glob("*.yaml")) + list(directory.glob("*.yml"))):
        try:
            config = load_config(path)
            if config.dag_id in dags:
                raise _fail(path, "dag_id", f"{config.dag_id} is already defined by another file")
            dags[config.dag_id] = build_dag(config)
        except ConfigError as e:
            problems.append(str(e))
    if problems:
        raise ConfigError("; ".join(problems))
    return dags
