-- Greenplum 6: the table test_part.yaml manages. Monthly partitions over the last year plus a default
-- partition; the DAG splits the recent ones into days and merges, moves, unloads and drops as they age.
CREATE TABLE IF NOT EXISTS public.test_part (
  id        bigint,
  event_dt  date NOT NULL,
  payload   text
)
WITH (appendonly = true, orientation = column, compresstype = zstd)
DISTRIBUTED BY (id)
PARTITION BY RANGE (event_dt)
( START (date '2024-01-01') INCLUSIVE END (date '2025-01-01') EXCLUSIVE EVERY (INTERVAL '1 month'),
  DEFAULT PARTITION other );

INSERT INTO public.test_part (id, event_dt, payload)
SELECT g, date '2024-01-01' + (g % 366), 'event ' || g
FROM generate_series(1, 100000) AS g;
