-- partitioning_tool: split, move, merge, drop and unload range partitions of Greenplum 6 tables.
-- Every file here runs unchanged on PostgreSQL 15 and Greenplum 6 (PostgreSQL 9.4 syntax).
-- Layers: boundaries + plans (pure decisions) -> *_ddl (Greenplum DDL text from partition rows)
--         -> fn_part_tools_* (read pg_partitions, run or dry-run the DDL: Greenplum only).

CREATE SCHEMA IF NOT EXISTS partitioning_tool;

-- One range partition as the tools see it; rows come from pg_partitions on Greenplum, from fixtures in tests.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                 WHERE n.nspname = 'partitioning_tool' AND t.typname = 'range_partition') THEN
    CREATE TYPE partitioning_tool.range_partition AS (
      partition_name   text,       -- pg_partitions.partitionname (NULL when unnamed)
      partition_schema text,       -- schema of the leaf table
      partition_table  text,       -- leaf table, e.g. sales_1_prt_p20240101
      range_start      timestamp,  -- inclusive
      range_end        timestamp,  -- exclusive
      tablespace       text,       -- NULL: the database default
      is_default       boolean
    );
  END IF;
END
$$;
