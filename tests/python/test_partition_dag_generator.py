import datetime as dt
from pathlib import Path

import jinja2
import pytest
import yaml

from conftest import CONFIGS, DAGS
from partition_dag_generator import ConfigError, dags_from_directory, load_config, parse_config, step_sql


def test_test_part_yaml_lists_the_steps_in_order():
    config = load_config(CONFIGS / "test_part.yaml")
    assert config.dag_id == "partitioning_test_part"
    assert config.schedule == "@daily"
    assert config.dry_run is False
    (table,) = config.tables
    assert table.table == "public.test_part"
    assert [s.name for s in table.steps] == ["add", "split", "merge", "move", "unload_to_s3", "drop"]
    assert table.steps[3].args == {"p_older_than": "3 months", "p_tablespace": "cold"}, "a real second tablespace, not pg_default"
    unload = table.steps[4]
    assert unload.function == "fn_part_tools_unload_to_s3_partitions"
    assert unload.args == {"p_older_than": "6 months", "p_bucket": "dp-partition", "p_server": "minio",
                           "p_format": "parquet", "p_drop_after": True}


def test_step_sql_uses_94_named_arguments_and_the_run_date():
    config = load_config(CONFIGS / "test_part.yaml")
    merge = config.tables[0].steps[2]
    sql = step_sql("public.test_part", merge, dry_run=False)
    rendered = jinja2.Template(sql).render(data_interval_end=dt.datetime(2024, 3, 31, 0, 0))
    assert rendered == (
        "SELECT * FROM partitioning_tool.fn_part_tools_merge_partitions(p_table := 'public.test_part', "
        "p_grain := '1 month', p_keep := '1 month', p_now := '2024-03-31 00:00:00', p_dry_run := false)")
    split = step_sql("public.test_part", config.tables[0].steps[1], dry_run=True)
    assert jinja2.Template(split).render(data_interval_end=dt.datetime(2024, 3, 31)) == (
        "SELECT * FROM partitioning_tool.fn_part_tools_split_partitions(p_table := 'public.test_part', "
        "p_grain := '1 day', p_newer_than := '1 month', p_now := '2024-03-31 00:00:00', p_dry_run := true)")
    add = step_sql("public.test_part", config.tables[0].steps[0], dry_run=False)
    assert jinja2.Template(add).render(data_interval_end=dt.datetime(2024, 3, 31)) == (
        "SELECT * FROM partitioning_tool.fn_part_tools_add_partitions(p_table := 'public.test_part', "
        "p_grain := '1 month', p_ahead := '1 month', p_now := '2024-03-31 00:00:00', p_dry_run := false)")


def test_split_window_must_not_undo_merge():
    def steps(split):
        return {"tables": [{"table": "public.t", "steps": [{"split": split}, {"merge": {"grain": "1 month", "keep": "1 month"}}]}]}
    with pytest.raises(ConfigError, match=r"x.yaml: tables\[0\].steps\[0\].split.newer_than: is required when the table also merges"):
        parse_config(Path("x.yaml"), steps({"grain": "1 day"}))
    with pytest.raises(ConfigError, match=r"split.newer_than: '2 months' is longer than merge's keep '1 month'"):
        parse_config(Path("x.yaml"), steps({"grain": "1 day", "newer_than": "2 months"}))
    for ok in ("1 month", "14 days", "4 weeks"):
        parse_config(Path("x.yaml"), steps({"grain": "1 day", "newer_than": ok}))
    # split alone needs no window
    parse_config(Path("x.yaml"), {"tables": [{"table": "public.t", "steps": [{"split": {"grain": "1 day"}}]}]})


def test_defaults_fill_in_and_quotes_are_escaped():
    config = parse_config(Path("x.yaml"), {"tables": [{"table": "public.t", "steps": [
        {"unload_to_s3": {"older_than": "1 year"}}, {"merge": {"grain": "1 month", "anchor": "2024-01-31"}}]}]})
    assert config.dag_id == "partitioning_x"
    assert config.tables[0].steps[0].args["p_bucket"] == "dp-partition"
    assert config.tables[0].steps[1].args == {"p_grain": "1 month", "p_keep": "0 days", "p_anchor": "2024-01-31"}
    from partition_dag_generator import sql_literal
    assert sql_literal("it's") == "'it''s'"


BAD = [
    ("tables: []", "tables: must be a non-empty list"),
    ("tabels: []", "tabels: unknown key"),
    ("tables: [{table: sales, steps: [{drop: {retention: 1 year}}]}]", "tables[0].table: 'sales' must be schema.table"),
    ("tables: [{table: public.s, steps: [{shrink: {}}]}]", "tables[0].steps[0].shrink: unknown step"),
    ("tables: [{table: public.s, steps: [{merge: {grain: monthly}}]}]", "tables[0].steps[0].merge.grain: 'monthly' is not an interval"),
    ("tables: [{table: public.s, steps: [{merge: {keep: 1 day}}]}]", "tables[0].steps[0].merge.grain: is required"),
    ("tables: [{table: public.s, steps: [{drop: {retention: 1 year, kepp: 1}}]}]", "tables[0].steps[0].drop.kepp: unknown key"),
    ("tables: [{table: public.s, steps: [{unload_to_s3: {older_than: 1 day, bucket: DP_Partition}}]}]",
     "tables[0].steps[0].unload_to_s3.bucket: 'DP_Partition' is not an S3 bucket name"),
    ("tables: [{table: public.s, steps: [{unload_to_s3: {older_than: 1 day, format: orc}}]}]",
     "tables[0].steps[0].unload_to_s3.format: 'orc' is not parquet, text or csv"),
    ("tables: [{table: public.s, steps: [{split: {grain: 1 day}, drop: {retention: 1 day}}]}]", "tables[0].steps[0]: must be a one-key mapping"),
    ("dry_run: maybe\ntables: [{table: public.s, steps: [{split: {grain: 1 day}}]}]", "dry_run: 'maybe' must be true or false"),
    ("tables: [{table: public.s, steps: [{split: {grain: 1 day}}]}, {table: public.s, steps: [{split: {grain: 1 day}}]}]",
     "tables[1].table: public.s is listed twice"),
    ("- just\n- a list", "(top level): must be a mapping"),
    ("tables: [unclosed", "(yaml):"),
]


@pytest.mark.parametrize("text,expected", BAD, ids=[b[1][:40] for b in BAD])
def test_a_bad_yaml_names_the_file_and_the_key(tmp_path, text, expected):
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert str(e.value).startswith(f"{path}: ")
    assert expected in str(e.value)


def test_directory_reports_every_bad_file_and_duplicate_dag_ids(tmp_path):
    good = {"tables": [{"table": "public.s", "steps": [{"drop": {"retention": "1 year"}}]}]}
    (tmp_path / "a.yaml").write_text(yaml.safe_dump({**good, "dag_id": "same"}))
    (tmp_path / "b.yml").write_text(yaml.safe_dump({**good, "dag_id": "same"}))
    (tmp_path / "c.yaml").write_text("tables: 3")
    with pytest.raises(ConfigError) as e:
        dags_from_directory(tmp_path)
    assert f"{tmp_path / 'b.yml'}: dag_id: same is already defined" in str(e.value)
    assert f"{tmp_path / 'c.yaml'}: tables: must be a non-empty list" in str(e.value)


def test_dagbag_imports_the_repository_dags():
    from airflow.models import DagBag

    bag = DagBag(str(DAGS), include_examples=False)
    assert bag.import_errors == {}
    assert set(bag.dag_ids) == {"bookings_stg_ddl", "bookings_to_gp_stage", "partitioning_test_part", "partitioning_tool_migrations", "simple_dag"}
    dag = bag.dags["partitioning_test_part"]
    order = ["add", "split", "merge", "move", "unload_to_s3", "drop"]
    ids = [f"public__test_part__{i:02d}_{name}" for i, name in enumerate(order, start=1)]
    assert sorted(t.task_id for t in dag.tasks) == sorted(ids)
    for before, after in zip(ids, ids[1:]):
        assert dag.get_task(before).downstream_task_ids == {after}
    assert dag.get_task(ids[0]).upstream_task_ids == set()
    assert all(t.conn_id == "greenplum" for t in dag.tasks)
    assert dag.max_active_runs == 1
    assert "fn_part_tools_unload_to_s3_partitions" in dag.get_task(ids[4]).sql


def test_dagbag_shows_a_bad_yaml_as_an_import_error_naming_file_and_key(tmp_path, monkeypatch):
    from airflow.models import DagBag

    (tmp_path / "bad_part.yaml").write_text("tables: [{table: public.s, steps: [{merge: {grain: 1 fortnight}}]}]")
    monkeypatch.setenv("PARTITIONING_CONFIGS_DIR", str(tmp_path))
    bag = DagBag(str(DAGS), include_examples=False)
    (path, message), = [(p, m) for p, m in bag.import_errors.items() if p.endswith("partitioning_dags.py")]
    assert "bad_part.yaml: tables[0].steps[0].merge.grain: '1 fortnight' is not an interval" in message
    assert "bookings_stg_ddl" in bag.dag_ids, "the other DAG files still load"
