-- The decisions: which partitions to split, move, merge, drop or unload, for given partition rows,
-- settings and "now". Pure functions of their arguments (no catalog reads), so tests feed fixtures.
-- The default partition is never split, moved, merged, dropped or unloaded.

-- Split every partition wider than the grain at the aligned boundaries inside it. With p_newer_than, only
-- partitions ending after p_now - p_newer_than: give it merge's keep, so split never re-splits what merge
-- made of the closed buckets (merge takes buckets ending at or before p_now - keep) and daily runs converge.
CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_plan_split(
  p_parts partitioning_tool.range_partition[], p_grain interval, p_anchor timestamp DEFAULT '2000-01-01',
  p_newer_than interval DEFAULT NULL, p_now timestamp DEFAULT NULL)
RETURNS TABLE (partition_name text, range_start timestamp, range_end timestamp, split_at timestamp[])
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  PERFORM partitioning_tool.fn_part_tools_check_grain(p_grain);
  PERFORM partitioning_tool.fn_part_tools_check_partitions(p_parts);
  IF p_newer_than IS NOT NULL AND (p_now IS NULL OR p_newer_than < interval '0') THEN
    RAISE EXCEPTION 'newer_than = %: needs now (got %) and an interval of zero or more', p_newer_than, coalesce(p_now::text, 'NULL');
  END IF;
  RETURN QUERY
  SELECT s.partition_name, s.range_start, s.range_end, s.points
  FROM (
    SELECT p.partition_name, p.range_start, p.range_end,
           ARRAY(SELECT partitioning_tool.fn_part_tools_boundaries(p.range_start, p.range_end, p_grain, p_anchor)) AS points
    FROM unnest(p_parts) p
    WHERE NOT coalesce(p.is_default, false)
      AND (p_newer_than IS NULL OR p.range_end > p_now - p_newer_than)
  ) s
  WHERE array_length(s.points, 1) > 0
  ORDER BY s.range_start;
END
$$;

-- The partitions to add so that [last partition end, p_now + p_ahead) is covered by aligned buckets
-- (rows of the future otherwise land in the default partition). The first one ends at the first aligned
-- boundary after the last end; a table with no range partition starts at the bucket of p_now.
CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_plan_add(
  p_parts partitioning_tool.range_partition[], p_grain interval, p_ahead interval, p_now timestamp,
  p_anchor timestamp DEFAULT '2000-01-01')
RETURNS TABLE (partition_name text, range_start timestamp, range_end timestamp)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  last_end timestamp;
  horizon timestamp := p_now + p_ahead;
  k integer;
  last_boundary timestamp;
  b timestamp;
BEGIN
  PERFORM partitioning_tool.fn_part_tools_check_grain(p_grain);
  PERFORM partitioning_tool.fn_part_tools_check_partitions(p_parts);
  IF p_ahead IS NULL OR p_ahead < interval '0' OR p_now IS NULL THEN
    RAISE EXCEPTION 'ahead = %: must be an interval of zero or more, with now (got %)', coalesce(p_ahead::text, 'NULL'), coalesce(p_now::text, 'NULL');
  END IF;
  SELECT max(p.range_end) INTO last_end FROM unnest(p_parts) p WHERE NOT coalesce(p.is_default, false);
  last_end := coalesce(last_end, partitioning_tool.fn_part_tools_bucket_start(p_now, p_grain, p_anchor));
  IF last_end >= horizon THEN RETURN; END IF;
  -- the first aligned boundary at or after the horizon closes the last partition
  k := partitioning_tool.fn_part_tools_boundary_index(horizon, p_grain, p_anchor);
  last_boundary := CASE WHEN p_anchor + k * p_grain = horizon THEN horizon ELSE p_anchor + (k + 1) * p_grain END;
  FOR b IN
    SELECT x FROM partitioning_tool.fn_part_tools_boundaries(last_end, last_boundary, p_grain, p_anchor) x
    UNION ALL SELECT last_boundary
    ORDER BY 1
  LOOP
    partition_name := partitioning_tool.fn_part_tools_partition_name(last_end, p_grain);
    range_start := last_end; range_end := b;
    RETURN NEXT;
    last_end := b;
  END LOOP;
END
$$;

-- Partitions that ended at least p_older_than before p_now and are not yet in p_tablespace.
CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_plan_move(
  p_parts partitioning_tool.range_partition[], p_older_than interval, p_tablespace text, p_now timestamp)
RETURNS SETOF partitioning_tool.range_partition
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF p_tablespace IS NULL OR p_tablespace = '' THEN
    RAISE EXCEPTION 'tablespace = %: a target tablespace name is required', coalesce(quote_literal(p_tablespace), 'NULL');
  END IF;
  PERFORM partitioning_tool.fn_part_tools_check_partitions(p_parts);
  RETURN QUERY
  SELECT p.* FROM unnest(p_parts) p
  WHERE NOT coalesce(p.is_default, false)
    AND p.range_end <= p_now - p_older_than
    AND p.tablespace IS DISTINCT FROM p_tablespace
  ORDER BY p.range_start;
END
$$;

-- Partitions entirely older than the retention: range_end <= p_now - p_retention.
CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_plan_expired(
  p_parts partitioning_tool.range_partition[], p_retention interval, p_now timestamp)
RETURNS SETOF partitioning_tool.range_partition
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF p_retention IS NULL OR p_retention < interval '0' THEN
    RAISE EXCEPTION 'retention = %: must be an interval of zero or more', coalesce(p_retention::text, 'NULL');
  END IF;
  PERFORM partitioning_tool.fn_part_tools_check_partitions(p_parts);
  RETURN QUERY
  SELECT p.* FROM unnest(p_parts) p
  WHERE NOT coalesce(p.is_default, false) AND p.range_end <= p_now - p_retention
  ORDER BY p.range_start;
END
$$;

-- Merge: closed buckets [anchor + k*grain, anchor + (k+1)*grain) ending at least p_keep before p_now.
-- A bucket merges when two or more partitions tile it exactly; otherwise it is reported as a skip with
-- the reason (a partition straddles a boundary, a gap, or the bucket is not fully covered).
CREATE OR REPLACE FUNCTION partitioning_tool.fn_part_tools_plan_merge(
  p_parts partitioning_tool.range_partition[], p_grain interval, p_keep interval, p_now timestamp,
  p_anchor timestamp DEFAULT '2000-01-01')
RETURNS TABLE (action text, bucket_start timestamp, bucket_end timestamp, partitions text[], reason text)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  cutoff timestamp := p_now - p_keep;
  first_start timestamp;
  last_end timestamp;
  b timestamp;
  b_next timestamp;
  k integer;
  steps integer := 0;
  part record;
  names text[];
  expect timestamp;
  why text;
BEGIN
  PERFORM partitioning_tool.fn_part_tools_check_grain(p_grain);
  PERFORM partitioning_tool.fn_part_tools_check_partitions(p_parts);
  SELECT min(p.range_start), max(p.range_end) INTO first_start, last_end
  FROM unnest(p_parts) p WHERE NOT coalesce(p.is_default, false);
  IF first_start IS NULL THEN RETURN; END IF;
  k := partitioning_tool.fn_part_tools_boundary_index(first_start, p_grain, p_anchor);
  LOOP
    b := p_anchor + k * p_grain;
    b_next := p_anchor + (k + 1) * p_grain;
    EXIT WHEN b >= last_end OR b_next > cutoff;
    steps := steps + 1;
    IF steps > 100000 THEN RAISE EXCEPTION 'grain = %: too many buckets between % and %', p_grain, first_start, last_end; END IF;
    names := ARRAY[]::text[];
    expect := b;
    why := NULL;
    FOR part IN
      SELECT p.partition_name, p.range_start, p.range_end FROM unnest(p_parts) p
      WHERE NOT coalesce(p.is_default, false) AND p.range_start < b_next AND p.range_end > b
      ORDER BY p.range_start
    LOOP
      names := names || coalesce(part.partition_name, partitioning_tool.fn_part_tools_literal(part.range_start));
      IF why IS NULL AND (part.range_start < b OR part.range_end > b_next) THEN
        why := format('partition %s [%s, %s) straddles a %s boundary', names[array_length(names, 1)], part.range_start, part.range_end, p_grain);
      ELSIF why IS NULL AND part.range_start > expect THEN
        why := format('gap [%s, %s) has no partition', expect, part.range_start);
      END IF;
      expect := part.range_end;
    END LOOP;
    IF array_length(names, 1) IS NOT NULL THEN
      IF why IS NULL AND expect < b_next THEN
        why := format('gap [%s, %s) has no partition', expect, b_next);
      END IF;
      IF why IS NOT NULL THEN
        action := 'skip'; bucket_start := b; bucket_end := b_next; partitions := names; reason := why;
        RETURN NEXT;
      ELSIF array_length(names, 1) > 1 THEN
        action := 'merge'; bucket_start := b; bucket_end := b_next; partitions := names; reason := NULL;
        RETURN NEXT;
      END IF;  -- one partition exactly covering the bucket: already merged
    END IF;
    k := k + 1;
  END LOOP;
END
$$;
