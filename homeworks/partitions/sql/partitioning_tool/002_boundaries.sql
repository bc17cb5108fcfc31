-- Aligned boundaries: anchor + k * grain, always computed from the anchor (never by adding grain
-- repeatedly), so month ends stay month ends: 2024-01-31 + 1 month = 02-29, + 2 months = 03-31.

CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_check_grain(p_grain interval)
RETURNS void LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF p_grain IS NULL OR p_grain <= interval '0' THEN
    RAISE EXCEPTION 'grain = %: must be a positive interval such as ''1 day'' or ''1 month''', coalesce(p_grain::text, 'NULL');
  END IF;
END
$$;

-- The greatest k with p_anchor + k * p_grain <= p_ts.
CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_boundary_index(p_ts timestamp, p_grain interval, p_anchor timestamp)
RETURNS integer LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  k integer;
  steps integer := 0;
BEGIN
  PERFORM partitioning_tool.fn_part_tools_check_grain(p_grain);
  -- A guess from the average length of the grain, then exact steps (months differ in length).
  k := floor(extract(epoch FROM (p_ts - p_anchor)) / extract(epoch FROM p_grain))::integer;
  WHILE p_anchor + k * p_grain > p_ts LOOP
    k := k - 1; steps := steps + 1;
    IF steps > 10000 THEN RAISE EXCEPTION 'boundary search did not converge for % (grain %, anchor %)', p_ts, p_grain, p_anchor; END IF;
  END LOOP;
  WHILE p_anchor + (k + 1) * p_grain <= p_ts LOOP
    k := k + 1; steps := steps + 1;
    IF steps > 10000 THEN RAISE EXCEPTION 'boundary search did not converge for % (grain %, anchor %)', p_ts, p_grain, p_anchor; END IF;
  END LOOP;
  RETURN k;
END
$$;

-- The aligned boundary at or before p_ts (the start of its bucket).
CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_bucket_start(p_ts timestamp, p_grain interval, p_anchor timestamp)
RETURNS timestamp LANGUAGE sql IMMUTABLE AS $$
  SELECT $3 + partitioning_tool.fn_part_tools_boundary_index($1, $2, $3) * $2
$$;

-- Aligned boundaries strictly inside (p_from, p_to), ascending; at most p_limit of them.
CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_boundaries(
  p_from timestamp, p_to timestamp, p_grain interval, p_anchor timestamp, p_limit integer DEFAULT 1000)
RETURNS SETOF timestamp LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  k integer := partitioning_tool.fn_part_tools_boundary_index(p_from, p_grain, p_anchor) + 1;
  b timestamp;
  n integer := 0;
BEGIN
  LOOP
    b := p_anchor + k * p_grain;
    EXIT WHEN b >= p_to;
    n := n + 1;
    IF n > p_limit THEN
      RAISE EXCEPTION 'grain = %: more than % boundaries between % and %; use a coarser grain', p_grain, p_limit, p_from, p_to;
    END IF;
    RETURN NEXT b;
    k := k + 1;
  END LOOP;
END
$$;

-- Partition names from the start and the grain: p2024 (years), p202401 (months), p20240101 (days), p20240101_0600.
CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_partition_name(p_start timestamp, p_grain interval)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN $2 >= interval '1 year' AND extract(day FROM $2) = 0 AND $2 = date_trunc('year', $2) AND $1 = date_trunc('year', $1)
      THEN 'p' || to_char($1, 'YYYY')
    WHEN $2 >= interval '1 month' AND extract(day FROM $2) = 0 AND $2 = date_trunc('month', $2) AND $1 = date_trunc('month', $1)
      THEN 'p' || to_char($1, 'YYYYMM')
    WHEN $1 = date_trunc('day', $1) THEN 'p' || to_char($1, 'YYYYMMDD')
    ELSE 'p' || to_char($1, 'YYYYMMDD_HH24MISS')
  END
$$;

-- A boundary as a Greenplum literal: '2024-01-01' at midnight, else with the time.
CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_literal(p_ts timestamp)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT quote_literal(CASE WHEN $1 = date_trunc('day', $1) THEN to_char($1, 'YYYY-MM-DD') ELSE $1::text END)
$$;

-- Rejects partition rows the plans cannot reason about, naming the partition.
CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_check_partitions(p_parts partitioning_tool.range_partition[])
RETURNS void LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  bad record;
BEGIN
  SELECT p.partition_name, p.range_start, p.range_end INTO bad
  FROM unnest(p_parts) p
  WHERE NOT coalesce(p.is_default, false) AND (p.range_start IS NULL OR p.range_end IS NULL OR p.range_start >= p.range_end)
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'partition %: range_start % must be before range_end %', coalesce(bad.partition_name, '(unnamed)'), bad.range_start, bad.range_end;
  END IF;
  SELECT a.partition_name AS a_name, b.partition_name AS b_name INTO bad
  FROM unnest(p_parts) a, unnest(p_parts) b
  WHERE NOT coalesce(a.is_default, false) AND NOT coalesce(b.is_default, false)
    AND a.range_start < b.range_start AND b.range_start < a.range_end
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'partitions % and % overlap', coalesce(bad.a_name, '(unnamed)'), coalesce(bad.b_name, '(unnamed)');
  END IF;
END
$$;
