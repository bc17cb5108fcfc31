-- Greenplum 6 DDL for each plan, as text, from partition rows: golden-tested on PostgreSQL 15,
-- executed by the fn_part_tools_* functions on Greenplum. Partitions are addressed as
-- PARTITION FOR ('<start>'), which survives renames.

-- 'schema.table' -> "schema"."table"; anything else is rejected naming the value.
CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_qualified(p_table text)
RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF p_table IS NULL OR p_table !~ '^[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*$' THEN
    RAISE EXCEPTION 'table = %: expected schema.table, e.g. public.sales', coalesce(quote_literal(p_table), 'NULL');
  END IF;
  RETURN format('%I.%I', split_part(p_table, '.', 1), split_part(p_table, '.', 2));
END
$$;

-- A work table of the tools, named after the table and partition, within 63 characters.
CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_work_table(p_prefix text, p_table text, p_partition text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format('partitioning_tool.%I', left($1 || '_' || split_part($2, '.', 2) || '_' || $3, 63))
$$;

CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_split_ddl(
  p_table text, p_parts partitioning_tool.range_partition[], p_grain interval, p_anchor timestamp DEFAULT '2000-01-01',
  p_newer_than interval DEFAULT NULL, p_now timestamp DEFAULT NULL)
RETURNS SETOF text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  tbl text := partitioning_tool.fn_part_tools_qualified(p_table);
  r record;
  prev timestamp;
  i integer;
  n integer;
  rest text;
BEGIN
  FOR r IN SELECT * FROM partitioning_tool.fn_part_tools_plan_split(p_parts, p_grain, p_anchor, p_newer_than, p_now) LOOP
    prev := r.range_start;
    n := array_length(r.split_at, 1);
    FOR i IN 1..n LOOP
      -- Each split cuts the remainder once more; remainders alternate two work names so a
      -- partition never gets the name of the one being split.
      rest := CASE WHEN i = n THEN partitioning_tool.fn_part_tools_partition_name(r.split_at[i], p_grain)
                   ELSE 'split_rest_' || (i % 2)::text END;
      RETURN NEXT format('ALTER TABLE %s SPLIT PARTITION FOR (%s) AT (%s) INTO (PARTITION %I, PARTITION %I);',
        tbl, partitioning_tool.fn_part_tools_literal(prev), partitioning_tool.fn_part_tools_literal(r.split_at[i]),
        partitioning_tool.fn_part_tools_partition_name(prev, p_grain), rest);
      prev := r.split_at[i];
    END LOOP;
  END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_move_ddl(
  p_table text, p_parts partitioning_tool.range_partition[], p_older_than interval, p_tablespace text, p_now timestamp)
RETURNS SETOF text LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  PERFORM partitioning_tool.fn_part_tools_qualified(p_table);
  -- A leaf partition is a table of its own in Greenplum 6: moving it leaves its siblings alone.
  RETURN QUERY
  SELECT format('ALTER TABLE %I.%I SET TABLESPACE %I;', p.partition_schema, p.partition_table, p_tablespace)
  FROM partitioning_tool.fn_part_tools_plan_move(p_parts, p_older_than, p_tablespace, p_now) p;
END
$$;

CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_drop_ddl(
  p_table text, p_parts partitioning_tool.range_partition[], p_retention interval, p_now timestamp)
RETURNS SETOF text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  tbl text := partitioning_tool.fn_part_tools_qualified(p_table);
BEGIN
  RETURN QUERY
  SELECT format('ALTER TABLE %s DROP PARTITION FOR (%s);', tbl, partitioning_tool.fn_part_tools_literal(p.range_start))
  FROM partitioning_tool.fn_part_tools_plan_expired(p_parts, p_retention, p_now) p;
END
$$;

-- One new range partition: split off the default partition when the table has one (Greenplum refuses ADD
-- PARTITION then, and the default may already hold rows of the range), else ADD PARTITION.
CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_new_partition_ddl(
  p_qualified text, p_has_default boolean, p_name text, p_start timestamp, p_end timestamp)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN $2
    THEN format('ALTER TABLE %s SPLIT DEFAULT PARTITION START (%s) INCLUSIVE END (%s) EXCLUSIVE INTO (PARTITION %I, DEFAULT PARTITION);',
                $1, partitioning_tool.fn_part_tools_literal($4), partitioning_tool.fn_part_tools_literal($5), $3)
    ELSE format('ALTER TABLE %s ADD PARTITION %I START (%s) INCLUSIVE END (%s) EXCLUSIVE;',
                $1, $3, partitioning_tool.fn_part_tools_literal($4), partitioning_tool.fn_part_tools_literal($5))
  END
$$;

-- True when the partition rows include the default partition.
CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_has_default(p_parts partitioning_tool.range_partition[])
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(bool_or(coalesce(x.is_default, false)), false) FROM unnest($1) x
$$;

-- The next partitions, up to p_now + p_ahead (fn_part_tools_plan_add).
CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_add_ddl(
  p_table text, p_parts partitioning_tool.range_partition[], p_grain interval, p_ahead interval, p_now timestamp,
  p_anchor timestamp DEFAULT '2000-01-01')
RETURNS SETOF text LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  RETURN QUERY
  SELECT partitioning_tool.fn_part_tools_new_partition_ddl(partitioning_tool.fn_part_tools_qualified(p_table),
           partitioning_tool.fn_part_tools_has_default(p_parts), a.partition_name, a.range_start, a.range_end)
  FROM partitioning_tool.fn_part_tools_plan_add(p_parts, p_grain, p_ahead, p_now, p_anchor) a;
  PERFORM partitioning_tool.fn_part_tools_qualified(p_table);  -- a bad name fails even with nothing to add
END
$$;

-- Greenplum 6 has no MERGE PARTITION: keep the rows aside, drop the small partitions, add the bucket's
-- partition (split off the default one when the table has it), put the rows back.
CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_merge_ddl(
  p_table text, p_parts partitioning_tool.range_partition[], p_grain interval, p_keep interval, p_now timestamp,
  p_anchor timestamp DEFAULT '2000-01-01')
RETURNS SETOF text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  tbl text := partitioning_tool.fn_part_tools_qualified(p_table);
  has_default boolean := partitioning_tool.fn_part_tools_has_default(p_parts);
  m record;
  members partitioning_tool.range_partition[];
  p partitioning_tool.range_partition;
  merged text;
  work text;
BEGIN
  FOR m IN SELECT * FROM partitioning_tool.fn_part_tools_plan_merge(p_parts, p_grain, p_keep, p_now, p_anchor)
           WHERE action = 'merge' LOOP
    merged := partitioning_tool.fn_part_tools_partition_name(m.bucket_start, p_grain);
    work := partitioning_tool.fn_part_tools_work_table('merge', p_table, merged);
    members := ARRAY(SELECT x FROM unnest(p_parts) x
                     WHERE NOT coalesce(x.is_default, false) AND x.range_start >= m.bucket_start AND x.range_end <= m.bucket_end
                     ORDER BY x.range_start);
    RETURN NEXT format('CREATE TABLE %s (LIKE %s);', work, tbl);
    FOREACH p IN ARRAY members LOOP
      RETURN NEXT format('INSERT INTO %s SELECT * FROM %I.%I;', work, p.partition_schema, p.partition_table);
    END LOOP;
    FOREACH p IN ARRAY members LOOP
      RETURN NEXT format('ALTER TABLE %s DROP PARTITION FOR (%s);', tbl, partitioning_tool.fn_part_tools_literal(p.range_start));
    END LOOP;
    RETURN NEXT partitioning_tool.fn_part_tools_new_partition_ddl(tbl, has_default, merged, m.bucket_start, m.bucket_end);
    RETURN NEXT format('INSERT INTO %s SELECT * FROM %s;', tbl, work);
    RETURN NEXT format('DROP TABLE %s;', work);
  END LOOP;
END
$$;

-- PXF location and format clause for one unloaded partition.
CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_s3_location(
  p_bucket text, p_table text, p_partition text, p_server text, p_format text)
RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  profile text;
  format_clause text;
BEGIN
  IF p_bucket IS NULL OR p_bucket !~ '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$' THEN
    RAISE EXCEPTION 'bucket = %: not an S3 bucket name', coalesce(quote_literal(p_bucket), 'NULL');
  END IF;
  IF p_server IS NULL OR p_server !~ '^[A-Za-z0-9_.-]+$' THEN
    RAISE EXCEPTION 'server = %: not a PXF server name', coalesce(quote_literal(p_server), 'NULL');
  END IF;
  CASE p_format
    WHEN 'parquet' THEN profile := 's3:parquet'; format_clause := 'FORMAT ''CUSTOM'' (FORMATTER=''pxfwritable_export'')';
    WHEN 'text'    THEN profile := 's3:text';    format_clause := 'FORMAT ''TEXT'' (DELIMITER ''|'')';
    WHEN 'csv'     THEN profile := 's3:text';    format_clause := 'FORMAT ''CSV''';
    ELSE RAISE EXCEPTION 'format = %: must be parquet, text or csv', coalesce(quote_literal(p_format), 'NULL');
  END CASE;
  RETURN format('LOCATION (%s) %s',
    quote_literal(format('pxf://%s/%s/%s/%s?PROFILE=%s&SERVER=%s', p_bucket, split_part(p_table, '.', 1),
                         split_part(p_table, '.', 2), p_partition, profile, p_server)),
    format_clause);
END
$$;

-- Unload partitions older than p_older_than to S3 through a PXF writable external table; optionally drop them.
CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_unload_ddl(
  p_table text, p_parts partitioning_tool.range_partition[], p_older_than interval, p_now timestamp,
  p_bucket text DEFAULT 'dp-partition', p_server text DEFAULT 'minio', p_format text DEFAULT 'parquet',
  p_drop_after boolean DEFAULT false)
RETURNS SETOF text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  tbl text := partitioning_tool.fn_part_tools_qualified(p_table);
  p record;
  label text;
  ext text;
BEGIN
  PERFORM partitioning_tool.fn_part_tools_s3_location(p_bucket, p_table, 'x', p_server, p_format);
  FOR p IN SELECT * FROM partitioning_tool.fn_part_tools_plan_expired(p_parts, p_older_than, p_now) LOOP
    label := coalesce(p.partition_name, p.partition_table);
    ext := partitioning_tool.fn_part_tools_work_table('unload', p_table, label);
    RETURN NEXT format('CREATE WRITABLE EXTERNAL TABLE %s (LIKE %s) %s;', ext, tbl,
      partitioning_tool.fn_part_tools_s3_location(p_bucket, p_table, label, p_server, p_format));
    RETURN NEXT format('INSERT INTO %s SELECT * FROM %I.%I;', ext, p.partition_schema, p.partition_table);
    RETURN NEXT format('DROP EXTERNAL TABLE %s;', ext);
    IF p_drop_after THEN
      RETURN NEXT format('ALTER TABLE %s DROP PARTITION FOR (%s);', tbl, partitioning_tool.fn_part_tools_literal(p.range_start));
    END IF;
  END LOOP;
END
$$;
