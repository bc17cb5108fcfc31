-- The tools the DAGs call. They read Greenplum's pg_partitions, build the DDL with the *_ddl functions
-- and run it in the caller's transaction, or only return it when p_dry_run (the default).
-- Created fine on PostgreSQL too (plpgsql resolves pg_partitions when called), where only a stand-in
-- pg_partitions view makes them callable.

-- Top-level range partitions of a table, with boundaries parsed from pg_partitions' expressions
-- ('2024-01-01'::date, '2024-01-01 00:00:00'::timestamp without time zone).
CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_partitions_of(p_table text)
RETURNS partitioning_tool.range_partition[] LANGUAGE plpgsql STABLE AS $$
DECLARE
  q text := partitioning_tool.fn_part_tools_qualified(p_table);
  r record;
  s timestamp;
  e timestamp;
  parts partitioning_tool.range_partition[] := ARRAY[]::partitioning_tool.range_partition[];
BEGIN
  FOR r IN
    SELECT pp.* FROM pg_partitions pp
    WHERE pp.schemaname = split_part(p_table, '.', 1) AND pp.tablename = split_part(p_table, '.', 2)
      AND pp.partitionlevel = 0
    ORDER BY pp.partitionisdefault, pp.partitionrank
  LOOP
    IF r.partitiontype <> 'range' THEN
      RAISE EXCEPTION 'table = %: partitioned by %, the tools handle range partitions only', q, r.partitiontype;
    END IF;
    s := NULL; e := NULL;
    IF NOT r.partitionisdefault THEN
      IF NOT r.partitionstartinclusive OR r.partitionendinclusive THEN
        RAISE EXCEPTION 'partition % of %: only START INCLUSIVE / END EXCLUSIVE ranges are supported', coalesce(nullif(r.partitionname, ''), r.partitiontablename), q;
      END IF;
      EXECUTE format('SELECT (%s)::timestamp, (%s)::timestamp', r.partitionrangestart, r.partitionrangeend) INTO s, e;
    END IF;
    -- Greenplum 6 reports a partition made by EVERY without a name as '' (not NULL): the tools key on NULL.
    parts := parts || ROW(nullif(r.partitionname, ''), r.partitionschemaname, r.partitiontablename, s, e,
                          r.partitiontablespace, r.partitionisdefault)::partitioning_tool.range_partition;
  END LOOP;
  IF array_length(parts, 1) IS NULL THEN
    RAISE EXCEPTION 'table = %: not a partitioned table (no rows in pg_partitions)', q;
  END IF;
  RETURN parts;
END
$$;

-- Runs (unless p_dry_run) and returns each statement, in order, in the caller's transaction.
CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_run(p_statements text[], p_dry_run boolean)
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  stmt text;
BEGIN
  IF p_dry_run IS NULL THEN RAISE EXCEPTION 'dry_run = NULL: must be true or false'; END IF;
  FOREACH stmt IN ARRAY coalesce(p_statements, ARRAY[]::text[]) LOOP
    IF NOT p_dry_run THEN
      RAISE NOTICE 'partitioning_tool: %', stmt;
      EXECUTE stmt;
    END IF;
    RETURN NEXT stmt;
  END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_split_partitions(
  p_table text, p_grain interval, p_anchor timestamp DEFAULT '2000-01-01', p_newer_than interval DEFAULT NULL,
  p_now timestamp DEFAULT localtimestamp, p_dry_run boolean DEFAULT true)
RETURNS SETOF text LANGUAGE sql AS $$
  SELECT partitioning_tool.fn_part_tools_run(ARRAY(
    SELECT partitioning_tool.fn_part_tools_split_ddl($1, partitioning_tool.fn_part_tools_partitions_of($1), $2, $3, $4, $5)), $6)
$$;

CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_add_partitions(
  p_table text, p_grain interval, p_ahead interval, p_now timestamp DEFAULT localtimestamp,
  p_anchor timestamp DEFAULT '2000-01-01', p_dry_run boolean DEFAULT true)
RETURNS SETOF text LANGUAGE sql AS $$
  SELECT partitioning_tool.fn_part_tools_run(ARRAY(
    SELECT partitioning_tool.fn_part_tools_add_ddl($1, partitioning_tool.fn_part_tools_partitions_of($1), $2, $3, $4, $5)), $6)
$$;

CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_move_partitions(
  p_table text, p_older_than interval, p_tablespace text, p_now timestamp DEFAULT localtimestamp, p_dry_run boolean DEFAULT true)
RETURNS SETOF text LANGUAGE sql AS $$
  SELECT partitioning_tool.fn_part_tools_run(ARRAY(
    SELECT partitioning_tool.fn_part_tools_move_ddl($1, partitioning_tool.fn_part_tools_partitions_of($1), $2, $3, $4)), $5)
$$;

CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_merge_partitions(
  p_table text, p_grain interval, p_keep interval, p_now timestamp DEFAULT localtimestamp,
  p_anchor timestamp DEFAULT '2000-01-01', p_dry_run boolean DEFAULT true)
RETURNS SETOF text LANGUAGE sql AS $$
  SELECT partitioning_tool.fn_part_tools_run(ARRAY(
    SELECT partitioning_tool.fn_part_tools_merge_ddl($1, partitioning_tool.fn_part_tools_partitions_of($1), $2, $3, $4, $5)), $6)
$$;

CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_drop_partitions(
  p_table text, p_retention interval, p_now timestamp DEFAULT localtimestamp, p_dry_run boolean DEFAULT true)
RETURNS SETOF text LANGUAGE sql AS $$
  SELECT partitioning_tool.fn_part_tools_run(ARRAY(
    SELECT partitioning_tool.fn_part_tools_drop_ddl($1, partitioning_tool.fn_part_tools_partitions_of($1), $2, $3)), $4)
$$;

CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_unload_to_s3_partitions(
  p_table text, p_older_than interval, p_bucket text DEFAULT 'dp-partition', p_server text DEFAULT 'minio',
  p_format text DEFAULT 'parquet', p_drop_after boolean DEFAULT false, p_now timestamp DEFAULT localtimestamp,
  p_dry_run boolean DEFAULT true)
RETURNS SETOF text LANGUAGE sql AS $$
  SELECT partitioning_tool.fn_part_tools_run(ARRAY(
    SELECT partitioning_tool.fn_part_tools_unload_ddl($1, partitioning_tool.fn_part_tools_partitions_of($1), $2, $7, $3, $4, $5, $6)), $8)
$$;
