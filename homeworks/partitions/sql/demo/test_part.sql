-- Greenplum 6: the table test_part.yaml manages, dated around the day the stack creates it so the DAG has work
-- at once: monthly partitions from 14 months back to the end of this month (made by EVERY, so Greenplum leaves
-- them unnamed: pg_partitions.partitionname = ''), a default partition, and 100000 rows over those months.
DO $$
DECLARE
  first_month date := (date_trunc('month', current_date) - interval '14 months')::date;
  next_month  date := (date_trunc('month', current_date) + interval '1 month')::date;
BEGIN
  IF to_regclass('public.test_part') IS NOT NULL THEN RETURN; END IF;
  EXECUTE format('CREATE TABLE public.test_part (id bigint, event_dt date NOT NULL, payload text)
    WITH (appendonly = true, orientation = column, compresstype = zstd)
    DISTRIBUTED BY (id)
    PARTITION BY RANGE (event_dt)
    (START (date %L) INCLUSIVE END (date %L) EXCLUSIVE EVERY (INTERVAL ''1 month''), DEFAULT PARTITION other)',
    first_month, next_month);
  INSERT INTO public.test_part (id, event_dt, payload)
  SELECT g, first_month + (g % (next_month - first_month)), 'event ' || g
  FROM generate_series(1, 100000) AS g;
END
$$;
