import re

from conftest import DAGS, REPO
from bookings_tables import TABLES, external_table_sql, load_sql, stage_matches_source_sql, stage_table_sql


def schema_columns():
    """Column names per table from datasets/bookings/001_schema.sql (what the source database has)."""
    text = (REPO / "datasets" / "bookings" / "001_schema.sql").read_text()
    tables = {}
    for name, body in re.findall(r"CREATE TABLE IF NOT EXISTS bookings\.(\w+) \((.*?)\n\);", text, re.S):
        cols = []
        for line in body.splitlines():
            m = re.match(r"\s+([a-z_]+)\s+(?!KEY)", line)
            if m and m.group(1) not in ("primary", "unique", "check", "foreign"):
                cols.append(m.group(1))
        tables[name] = cols
    return tables


def test_external_tables_match_the_source_schema_column_for_column():
    source = schema_columns()
    assert set(source) == {t.name for t in TABLES}
    for t in TABLES:
        assert [c for c, _ in t.columns] == source[t.name], t.name


def test_external_table_reads_through_pxf_server_bookings_db():
    bookings = next(t for t in TABLES if t.name == "bookings")
    assert external_table_sql(bookings) == [
        "DROP EXTERNAL TABLE IF EXISTS stg.ext_bookings",
        "CREATE READABLE EXTERNAL TABLE stg.ext_bookings (book_ref char(6), book_date text, total_amount numeric(10,2)) "
        "LOCATION ('pxf://bookings.bookings?PROFILE=JDBC&SERVER=bookings-db') FORMAT 'CUSTOM' (FORMATTER='pxfwritable_import')",
    ]
    assert load_sql(bookings) == ["TRUNCATE stage.bookings",
                                  "INSERT INTO stage.bookings SELECT book_ref, book_date::timestamptz, total_amount FROM stg.ext_bookings"]
    assert "s.n > 0 AND s.n = e.n" in stage_matches_source_sql(bookings), "an empty source fails the check"
    assert stage_table_sql(bookings)[0].startswith("CREATE TABLE IF NOT EXISTS stage.bookings (book_ref char(6), book_date timestamptz,")


def test_no_external_table_declares_a_type_pxf_jdbc_refuses():
    # Found on Greenplum 6 + PXF 6.10.1: "Field type 'TIMESTAMP_WITH_TIME_ZONE' ... is not supported".
    for t in TABLES:
        assert "timestamptz" not in external_table_sql(t)[1], t.name


def test_dagbag_has_both_bookings_dags_with_a_check_per_table():
    from airflow.models import DagBag

    bag = DagBag(str(DAGS), include_examples=False)
    assert bag.import_errors == {}
    ddl = bag.dags["bookings_stg_ddl"]
    stage = bag.dags["bookings_to_gp_stage"]
    for t in TABLES:
        assert ddl.get_task(f"ext_{t.name}").upstream_task_ids == {"create_schemas"}
        assert ddl.get_task(f"check_ext_{t.name}").upstream_task_ids == {f"ext_{t.name}"}
        assert stage.get_task(f"load_{t.name}").upstream_task_ids == {f"create_{t.name}"}
        assert stage.get_task(f"check_{t.name}").upstream_task_ids == {f"load_{t.name}"}
    assert len(ddl.tasks) == 1 + 2 * len(TABLES)
    assert len(stage.tasks) == 3 * len(TABLES)
